use super::clean_phone;

#[test]
fn clean_phone_drops_what_people_write_numbers_with() {
    assert_eq!(clean_phone(" +1 (425) 555-0100 "), "+14255550100");
    assert_eq!(clean_phone("+1.425.555.0101"), "+14255550101");
    // Not E.164 stays not E.164: the server answers InvalidNumber.
    assert_eq!(clean_phone("425 555 0100"), "4255550100");
    assert_eq!(clean_phone("call me"), "callme");
}
