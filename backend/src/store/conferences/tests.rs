use std::time::Duration;

use super::*;
use crate::store::testing::each_store;

fn running(id: &str, created: u64) -> ConferenceRow {
    ConferenceRow {
        id: id.into(),
        owner: "sip:alice@rollcall.local".into(),
        account: "alice".into(),
        created,
        terminated: false,
        snapshot: format!("<snapshot of {id}/>"),
    }
}

fn lease(instance: &str, ttl_ms: u64) -> Lease {
    Lease { instance: instance.into(), ttl: Duration::from_millis(ttl_ms) }
}

#[tokio::test]
async fn a_conference_is_held_by_one_instance_until_its_lease_runs_out() {
    each_store(|store| async move {
        let a = store.conferences().leased(lease("a", 300));
        let b = store.conferences().leased(lease("b", 60_000));
        a.save(&running("conf-1", 1)).await.expect("saved");
        assert!(b.claim(10, false).await.expect("claim").is_empty(), "a's lease holds");
        assert_eq!(a.renew().await.expect("renew"), 1);

        // a stops renewing: once its lease runs out, b takes it, once.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let c = store.conferences().leased(lease("c", 60_000));
        let (first, second) = tokio::join!(b.claim(10, false), c.claim(10, false));
        let (first, second) = (first.expect("claim"), second.expect("claim"));
        let taken: Vec<&str> = first.iter().chain(&second).map(|r| r.id.as_str()).collect();
        assert_eq!(taken, ["conf-1"], "taken over by exactly one instance");
        let holder = if first.is_empty() { &c } else { &b };

        // a, back from a pause, cannot write over what another holds now.
        a.save(&ConferenceRow { snapshot: "<stale/>".into(), ..running("conf-1", 1) }).await.expect("a no-op");
        let rows = holder.claim(10, true).await.expect("the holder's own, as after a restart");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].snapshot, "<snapshot of conf-1/>", "a's late write was fenced off");
    })
    .await;
}

#[tokio::test]
async fn without_leases_a_restart_takes_back_every_running_conference() {
    each_store(|store| async move {
        let conferences = store.conferences();
        conferences.save(&running("conf-2", 2)).await.expect("saved");
        conferences.save(&running("conf-1", 1)).await.expect("saved");
        conferences.save(&ConferenceRow { terminated: true, ..running("conf-3", 3) }).await.expect("saved");
        let claimed: Vec<String> = conferences.claim(10, true).await.expect("claim").into_iter().map(|r| r.id).collect();
        assert_eq!(claimed, ["conf-1", "conf-2"], "the running ones, oldest first");
        let ended = conferences.ended_since("2000-01-01T00:00:00.000Z", 10).await.expect("ended");
        assert_eq!(ended.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["conf-3"]);
    })
    .await;
}

#[tokio::test]
async fn an_instance_learns_which_of_its_conferences_another_took_over() {
    each_store(|store| async move {
        let a = store.conferences().leased(lease("a", 300));
        let b = store.conferences().leased(lease("b", 60_000));
        a.save(&running("conf-1", 1)).await.expect("saved");
        a.save(&running("conf-2", 2)).await.expect("saved");
        assert!(a.taken_from_me(&["conf-1".into(), "conf-2".into()]).await.expect("read").is_empty());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(b.claim(1, false).await.expect("claim").len(), 1, "b takes the oldest");
        // (conf-3 is not in the database yet: a journal write on its way.)
        let ids = ["conf-1".to_string(), "conf-2".to_string(), "conf-3".to_string()];
        assert_eq!(a.taken_from_me(&ids).await.expect("read"), ["conf-1"]);
    })
    .await;
}
