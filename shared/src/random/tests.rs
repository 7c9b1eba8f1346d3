use super::random_hex;

#[test]
fn lower_case_hex_of_the_asked_length() {
    assert_eq!(random_hex(0), "");
    let h = random_hex(5);
    assert!(h.len() == 10 && h.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{h}");
    assert_ne!(random_hex(16), random_hex(16));
}
