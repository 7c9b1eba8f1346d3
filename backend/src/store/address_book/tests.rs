use super::*;
use rollcall_shared::soap::Location;

#[tokio::test]
async fn the_directory_is_read_again_only_when_it_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    for path in crate::store::testing::databases(dir.path()) {
        let store = crate::store::Store::open(&path).await.expect("db");
        let books = store.address_books();
        let entry = |name: &str| Entry { name: name.into(), emails: vec![], phones: vec![], user: None };
        books.add_all(&Book::Directory, &[entry("Ann")]).await.expect("added");
        let first = books.directory().await.expect("read");
        assert!(Arc::ptr_eq(&first, &store.address_books().directory().await.expect("read")), "unchanged: cached");
        // A contact is not the directory: still cached.
        books.add_all(&Book::Contacts("alice".into()), &[entry("Bo")]).await.expect("added");
        assert!(Arc::ptr_eq(&first, &books.directory().await.expect("read")));
        // Another process (another pool on the same file) adds to it: seen.
        let other = crate::store::Store::open(&path).await.expect("db");
        other.address_books().add_all(&Book::Directory, &[entry("Cy")]).await.expect("added");
        let names: Vec<String> = books.directory().await.expect("read").iter().map(|e| e.name.clone()).collect();
        assert_eq!(names, ["Ann", "Cy"]);
    }
}

#[tokio::test]
async fn books_are_kept_apart() {
    crate::store::testing::each_store(|store| async move {
        let books = store.address_books();
        let ann = Entry {
            name: "Ann".into(),
            emails: vec!["ann@example.com".into()],
            phones: vec![Phone { number: "+14255550150".into(), location: Location::Mobile }],
            user: None,
        };
        let alice = Book::Contacts("alice".into());
        books.add_all(&alice, std::slice::from_ref(&ann)).await.expect("add");
        let bob = Entry { name: "Bob".into(), emails: vec!["bob@example.com".into()], ..Entry::default() };
        books.add_user_entry("bob", &bob).await.expect("add");
        assert_eq!(books.list(&alice).await.expect("list")[0].entry, ann);
        assert!(books.list(&Book::Contacts("bob".into())).await.expect("list").is_empty());
        let directory = books.list(&Book::Directory).await.expect("list");
        assert_eq!(directory.len(), 1);
        assert_eq!(directory[0].entry, Entry { user: Some("bob".into()), ..bob }, "read back linked to bob");
        assert_eq!(books.own_emails("bob").await.expect("own"), vec!["bob@example.com"]);
        assert!(books.own_emails("alice").await.expect("own").is_empty());
        assert!(!books.is_empty(&alice).await.expect("count"));
    })
    .await;
}

#[tokio::test]
async fn only_directory_entries_are_linked_to_users() {
    crate::store::testing::each_store(|store| async move {
        let books = store.address_books();
        let carol = Entry {
            name: "Carol".into(),
            emails: vec!["carol@example.com".into()],
            user: Some("carol".into()),
            ..Entry::default()
        };
        books.add_all(&Book::Directory, std::slice::from_ref(&carol)).await.expect("add");
        books.add_all(&Book::Contacts("alice".into()), std::slice::from_ref(&carol)).await.expect("add");
        assert_eq!(books.list(&Book::Directory).await.expect("list")[0].entry.user.as_deref(), Some("carol"));
        assert_eq!(books.list(&Book::Contacts("alice".into())).await.expect("list")[0].entry.user, None);
        assert_eq!(books.own_emails("carol").await.expect("own"), vec!["carol@example.com"]);
    })
    .await;
}
