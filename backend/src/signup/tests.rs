use super::name_problem;

#[test]
fn names() {
    assert_eq!(name_problem("dora"), None);
    assert_eq!(name_problem("d.o-r_a2"), None);
    for bad in ["", "d", "2dora", "do ra", "dora@x", "conference", "Admin", "conf-123"] {
        assert!(name_problem(bad).is_some(), "{bad}");
    }
}
