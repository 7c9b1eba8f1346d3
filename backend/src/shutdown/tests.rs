use super::*;

#[tokio::test]
async fn every_clone_sees_the_signal() {
    let shutdown = Shutdown::new();
    let other = shutdown.clone();
    assert!(!other.is_begun());
    let waiter = tokio::spawn(async move { other.begun().await });
    shutdown.begin();
    tokio::time::timeout(std::time::Duration::from_secs(1), waiter).await.expect("woken").expect("task");
    assert!(shutdown.is_begun());
}
