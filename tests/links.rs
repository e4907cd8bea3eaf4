//! Links against the local server: the manifest is the whole truth for a link's options, and
//! links that the manifest cannot tell apart are refused before anything is sent.

mod common;

use common::Env;

const HEAD: &str = "version: 1\npublish:\n  - name: site\n    from: src\n\
                    \x20   to: { share: {share}, path: /pub }\nlinks:\n";

/// The one active link on `/pub`.
async fn the_link(env: &Env) -> serde_json::Value {
    let snapshot = env.server.snapshot(&env.creds.share_id);
    let pub_id = snapshot.get("/pub").expect("/pub exists").id.clone();
    let links = env.active_links(&pub_id).await;
    assert_eq!(links.len(), 1, "{links:?}");
    links[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn options_removed_from_the_manifest_are_removed_from_the_link() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let full = format!(
        "{HEAD}  - name: dl\n    target: site\n    type: DOWNLOAD\n    max_views: 7\n\
         \x20   max_downloads: 3\n    expires_at: \"2099-01-31T23:59:59Z\"\n\
         \x20   require_email: true\n    allowed_emails: [a@example.com]\n\
         \x20   allowed_ips: [10.0.0.0/8]\n    custom_message: hello\n    allow_preview: false\n\
         \x20   notify_on_download: true\n    notification_email: ops@example.com\n"
    );
    let m = env.manifest(&full);
    let m = m.to_str().unwrap();
    env.run(&[m]).await.ok();
    let before = the_link(&env).await;
    assert_eq!(before["max_views"], 7, "{before}");
    assert_eq!(before["allow_preview"], false, "{before}");

    env.manifest(&format!(
        "{HEAD}  - name: dl\n    target: site\n    type: DOWNLOAD\n"
    ));
    let plan = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    let out = format!("{}{}", plan.stdout, plan.stderr);
    for field in [
        "expires_at",
        "max_downloads",
        "max_views",
        "allowed_ips",
        "allowed_emails",
        "require_email",
        "custom_message",
        "allow_preview",
        "notify_on_download",
        "notification_email",
    ] {
        assert!(out.contains(field), "`{field}` not in the plan:\n{out}");
    }
    assert!(out.contains("link dl: update"), "{out}");
    assert!(out.contains("max_views 7 -> none"), "{out}");
    assert!(out.contains("custom_message \"hello\" -> none"), "{out}");

    env.run(&[m]).await.ok();
    let after = the_link(&env).await;
    assert_eq!(after["id"], before["id"], "updated in place, not replaced");
    for key in [
        "max_views",
        "max_downloads",
        "expires_at",
        "allowed_ips",
        "allowed_emails",
        "custom_message",
        "allow_preview",
        "notification_email",
    ] {
        assert!(after[key].is_null(), "{key} still set: {after}");
    }
    assert_eq!(after["require_email"], false, "{after}");
    assert_eq!(after["notify_on_download"], false, "{after}");

    let again = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiry_from_expires_in_days_is_kept_until_the_line_goes() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let link = "  - name: dl\n    target: site\n    type: VIEW\n";
    let m = env.manifest(&format!("{HEAD}{link}    expires_in_days: 14\n"));
    let m = m.to_str().unwrap();
    env.run(&[m]).await.ok();
    assert!(the_link(&env).await["expires_at"].is_string());
    let same = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    // Another number of days does not re-date a link that exists.
    env.manifest(&format!("{HEAD}{link}    expires_in_days: 30\n"));
    let other = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(other.code, 0, "{}{}", other.stdout, other.stderr);
    // Without any expiry in the manifest, the link stops expiring.
    env.manifest(&format!("{HEAD}{link}"));
    let gone = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(gone.code, 2, "{}{}", gone.stdout, gone.stderr);
    assert!(gone.stdout.contains("expires_at") || gone.stderr.contains("expires_at"));
    env.run(&[m]).await.ok();
    assert!(the_link(&env).await["expires_at"].is_null());
    let done = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(done.code, 0, "{}{}", done.stdout, done.stderr);
    // Written again on a link that has no expiry now, it dates the link from this run.
    env.manifest(&format!("{HEAD}{link}    expires_in_days: 3\n"));
    let dated = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(dated.code, 2, "{}{}", dated.stdout, dated.stderr);
    assert!(
        dated.stdout.contains("expires_at none -> in 3 days"),
        "{}",
        dated.stdout
    );
    env.run(&[m]).await.ok();
    let expires = the_link(&env).await["expires_at"]
        .as_str()
        .unwrap()
        .to_string();
    let expires =
        time::OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let hours = (expires - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((71..=72).contains(&hours), "expires in {hours} hours");
    let settled = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(settled.code, 0, "{}{}", settled.stdout, settled.stderr);
}

/// `validate` compares targets as written; a share written by name in one place and by id in
/// another is only seen to be one folder when plan resolves it.
#[tokio::test(flavor = "multi_thread")]
async fn two_spellings_of_one_folder_are_one_link_and_are_refused() {
    let env = Env::start().await;
    env.write("docs/a.txt", "a");
    let m = env.manifest(&format!(
        "version: 1\npublish:\n  - name: site\n    from: src\n\
         \x20   to: {{ share: {{share}}, path: /pub }}\n\
         \x20 - name: docs\n    from: src/docs\n    to: {{ share: {id}, path: /pub/docs }}\n\
         links:\n  - name: by-name\n    target: docs\n    type: VIEW\n\
         \x20 - name: by-path\n    target: {{ share: {{share}}, path: /pub/docs }}\n\
         \x20   type: VIEW\n",
        id = env.creds.share_id
    ));
    let m = m.to_str().unwrap();
    env.run(&["validate", m]).await.ok();
    let plan = env.run(&["plan", m]).await;
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    let expected = "links `by-name` and `by-path` are the same link to the service: both open \
                    /pub/docs with type VIEW";
    assert!(plan.stderr.contains(expected), "{}", plan.stderr);
    assert!(
        plan.stderr.contains("distinct `custom_name`"),
        "{}",
        plan.stderr
    );
    let apply = env.run(&[m]).await;
    assert_eq!(apply.code, 1, "{}", apply.stderr);
    assert!(env.writes().is_empty(), "{:?}", env.writes());
}

/// `rotate_password: true` means "set the password on every run": plan always has a change.
#[tokio::test(flavor = "multi_thread")]
async fn rotate_password_sets_the_password_on_every_run() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let m = env.manifest(&format!(
        "{HEAD}  - name: dl\n    target: site\n    type: DOWNLOAD\n\
         \x20   password: ${{LINK_PASSWORD}}\n    rotate_password: true\n"
    ));
    let m = m.to_str().unwrap();
    env.run(&[m]).await.ok();
    for _ in 0..2 {
        let plan = env.run(&["plan", "--detailed-exitcode", m]).await;
        assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
        assert!(
            plan.stdout.contains("link dl: update (changed: password)"),
            "{}",
            plan.stdout
        );
        env.run(&[m]).await.ok();
    }
    assert_eq!(the_link(&env).await["password_required"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_made_behind_the_tools_back_is_revoked_and_the_first_link_stays() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let m = env.manifest(&format!(
        "{HEAD}  - name: dl\n    target: site\n    type: DOWNLOAD\n    password: ${{DL_PW}}\n"
    ));
    let m = m.to_str().unwrap();
    env.run_env(&[m], &[("DL_PW", "first-secret")]).await.ok();
    let original = the_link(&env).await;

    // What a second run at the same moment leaves behind: the same link again, unprotected.
    let creds = env.server.credentials();
    let body = serde_json::json!({
        "resource_type": "folder",
        "share_id": creds.share_id,
        "resource_id": original["resource_id"],
        "link_type": "DOWNLOAD",
    });
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/external/links", env.server.url()))
        .bearer_auth(&creds.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{response:?}");

    let plan = env
        .run_env(
            &["plan", "--detailed-exitcode", m],
            &[("DL_PW", "first-secret")],
        )
        .await;
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("link dl: revoke the duplicate"),
        "{}",
        plan.stdout
    );
    let run = env.run_env(&[m], &[("DL_PW", "first-secret")]).await.ok();
    assert!(
        run.stderr.contains("1 duplicate links revoked"),
        "{}",
        run.stderr
    );
    let kept = the_link(&env).await;
    assert_eq!(kept["id"], original["id"]);
    assert_eq!(kept["password_required"], true, "{kept}");
    let again = env
        .run_env(
            &["plan", "--detailed-exitcode", m],
            &[("DL_PW", "first-secret")],
        )
        .await;
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
}
