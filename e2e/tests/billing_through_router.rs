//! Billing through the router: usage lines from finished jobs (runs of known duration played
//! with exact times), price changes, storage samples, the free allowance, invoices, budgets,
//! tenancy; and a job run by the real worker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_billing::commands::{invoices::close_periods, usage::sample_storage};
use mediamagic_e2e::{
    Cred, GqlResponse, TestStack,
    billing::{Attempt, billing, model, play, queue, usage, wait_for_events},
    jobs::{deploy, upload, wait_for},
    media::mp3,
    spawn_stack_with,
};
use mediamagic_kit::events::TriggerConfig;
use serde_json::{Value, json};

/// cpu: 0.1 cent per machine-second; gpu: 1 cent. Storage: 100 micro-units per byte-hour.
async fn stack(admin: Option<&str>) -> TestStack {
    let admin = admin.map(str::to_owned);
    spawn_stack_with(move |config| {
        config.billing.schedule = false;
        config.billing.prices.machine =
            [("cpu".to_owned(), 100_000), ("gpu".to_owned(), 1_000_000)].into();
        config.billing.prices.storage = 73_000_000_000_000;
        config.billing.prices.free_allowance = 3;
        config.events.triggers.insert(
            "job_usage".into(),
            TriggerConfig {
                base_interval_ms: 50,
                ..TriggerConfig::default()
            },
        );
        if let Some(email) = admin {
            config.accounts.admin_emails = vec![email];
        }
    })
    .await
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn ran(start: DateTime<Utc>, millis: i64, outcome: &'static str) -> Attempt {
    Attempt {
        start,
        end: start + Duration::milliseconds(millis),
        outcome,
    }
}

fn amount(value: &Value) -> i64 {
    value["amount"].as_i64().unwrap()
}

/// Deploys `model` on `song` and plays the worker through `attempts`; returns the job id.
async fn run(
    stack: &TestStack,
    jobs: &mediamagic_jobs::JobsDeps,
    token: &str,
    model: &str,
    song: &str,
    machine_type: &str,
    attempts: &[Attempt],
) -> String {
    let id = deploy(
        stack,
        token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    play(stack, jobs, &id, machine_type, attempts).await;
    id
}

/// An account with an uploaded song; returns (token, song id).
async fn account(stack: &TestStack, name: &str) -> (String, String) {
    let (token, _, _) = stack.sign_up(name).await;
    let song = upload(stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    (token, song)
}

#[tokio::test]
async fn jobs_of_known_duration_on_two_machine_types_give_exact_usage_lines_and_totals() {
    let stack = stack(None).await;
    let jobs = queue(&stack).await;
    let (token, song) = account(&stack, "metered").await;
    let transcode = model(&stack, &token, "transcode", "cpu", None).await;
    let separate = model(&stack, &token, "separate", "gpu", None).await;
    let day = at(2026, 3, 10, 12, 0, 0);

    let a = deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
    play(&stack, &jobs, &a, "cpu", &[ran(day, 90_000, "succeeded")]).await;
    let b = run(
        &stack,
        &jobs,
        &token,
        &separate,
        &song,
        "gpu",
        &[
            ran(day, 100_000, "lost"),
            ran(day + Duration::hours(1), 30_400, "succeeded"),
        ],
    )
    .await;
    let c = deploy(
        &stack,
        &token,
        json!({"model": separate, "args": {"input": song}}),
    )
    .await;
    play(&stack, &jobs, &c, "gpu", &[ran(day, 12_400, "failed")]).await;
    let never = deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
    let cancelled = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { cancelJob(id: $id) { status } }",
            json!({"id": never}),
        )
        .await;
    assert_eq!(cancelled.data("/cancelJob/status"), "CANCELLED");
    wait_for_events(&stack).await;

    let march = usage(&stack, &token, "2026-03").await;
    // cpu: 90 s × 0.1 cent; gpu: (30.4 s + 12.4 s) × 1 cent = 42.8 → 43 (the lost attempt is free).
    assert_eq!(
        march["byMachineType"],
        json!([
            {"name": "cpu", "machineSeconds": 90.0, "attempts": 1, "amount": {"amount": 9}},
            {"name": "gpu", "machineSeconds": 42.8, "attempts": 2, "amount": {"amount": 43}},
        ])
    );
    assert_eq!(
        march["byModel"],
        json!([
            {"name": "separate", "machineSeconds": 42.8, "attempts": 2, "amount": {"amount": 43}},
            {"name": "transcode", "machineSeconds": 90.0, "attempts": 1, "amount": {"amount": 9}},
        ])
    );
    assert_eq!(amount(&march["subtotal"]), 52);
    assert_eq!(amount(&march["allowanceApplied"]), 3);
    assert_eq!(
        march["total"],
        json!({"amount": 49, "formatted": "0.49 USD"})
    );
    let costs = stack
        .gql(
            Cred::Bearer(&token),
            "query($b: ID!, $n: ID!) { b: job(id: $b) { cost { amount } } n: job(id: $n) { cost { amount } } }",
            json!({"b": b, "n": never}),
        )
        .await;
    assert_eq!(costs.data("/b/cost/amount"), 30);
    assert_eq!(
        costs.data("/n/cost/amount"),
        0,
        "a job that never ran costs nothing"
    );

    // Act: every job_usage event is delivered again.
    let billing = billing(&stack);
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
    }
    let events: Vec<Id> =
        diesel::sql_query("SELECT id FROM events.event_log WHERE trigger_name = 'job_usage'")
            .load(&mut conn)
            .await
            .unwrap();
    assert!(events.len() >= 4);
    for event in &events {
        assert!(
            mediamagic_kit::events::store::redeliver(&billing.pool, event.id)
                .await
                .unwrap()
        );
    }
    wait_for_events(&stack).await;

    assert_eq!(
        usage(&stack, &token, "2026-03").await,
        march,
        "redelivery charges nothing twice"
    );
}

#[tokio::test]
async fn a_price_change_splits_a_run_across_it_and_never_reprices_recorded_usage() {
    let email = "prices-admin@example.com";
    let stack = stack(Some(email)).await;
    let jobs = queue(&stack).await;
    stack.sign_up_with_email("admin", email).await;
    let admin = stack.make_admin(email).await;
    let (token, song) = account(&stack, "repriced").await;
    let separate = model(&stack, &token, "separate", "gpu", None).await;
    let change = Utc
        .timestamp_opt(Utc::now().timestamp() + 40 * 86_400, 0)
        .unwrap();
    let set_price = |amount: i64, from: DateTime<Utc>| {
        let admin = admin.clone();
        let stack = &stack;
        async move {
            stack
                .gql(
                    Cred::Bearer(&admin),
                    "mutation($i: SetPriceInput!) { setPrice(input: $i) { kind machineType amount effectiveFrom } }",
                    json!({"i": {"kind": "MACHINE", "machineType": "gpu", "amount": amount, "effectiveFrom": from.to_rfc3339()}}),
                )
                .await
        }
    };
    let refused = set_price(2_000_000, Utc::now() - Duration::hours(1)).await;
    assert_eq!(
        refused.error_code(),
        "BAD_USER_INPUT",
        "no price from the past"
    );
    let forbidden = stack
        .gql(
            Cred::Bearer(&token),
            "mutation { setPrice(input: {kind: STORAGE, amount: 1}) { amount } }",
            json!({}),
        )
        .await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    let set = set_price(3_000_000, change).await;
    assert_eq!(set.data("/setPrice/amount"), 3_000_000);

    // 10 s before the change at 1 cent/s, 20 s after at 3 cents/s.
    run(
        &stack,
        &jobs,
        &token,
        &separate,
        &song,
        "gpu",
        &[ran(change - Duration::seconds(10), 30_000, "succeeded")],
    )
    .await;
    let period = change.format("%Y-%m").to_string();
    let before = usage(&stack, &token, &period).await;
    assert_eq!(before["byMachineType"][0]["amount"]["amount"], 10 + 60);

    set_price(5_000_000, change + Duration::days(1))
        .await
        .data("/setPrice/amount");
    assert_eq!(
        usage(&stack, &token, &period).await,
        before,
        "recorded usage keeps its price"
    );
    let prices = stack
        .gql(
            Cred::Bearer(&token),
            "{ prices { kind machineType amount unit } }",
            json!({}),
        )
        .await;
    let gpu: Vec<&Value> = prices
        .data("/prices")
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["machineType"] == "gpu")
        .collect();
    assert_eq!(gpu.len(), 3, "the seeded price and both changes: {gpu:?}");
}

#[tokio::test]
async fn storage_samples_and_the_free_allowance_give_exact_figures() {
    let stack = stack(None).await;
    let (token, _) = account(&stack, "storer").await;
    let extra = vec![7u8; 4_000];
    upload(
        &stack,
        &token,
        &mp3_with(&extra),
        "second.mp3",
        "audio/mpeg",
    )
    .await;
    let bytes = (mp3().len() + mp3_with(&extra).len()) as i64;
    let billing = billing(&stack);
    let hour = at(2026, 5, 4, 10, 0, 0);

    assert_eq!(
        sample_storage(&billing, hour + Duration::minutes(5))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        sample_storage(&billing, hour + Duration::minutes(40))
            .await
            .unwrap(),
        0,
        "one sample per hour"
    );
    assert_eq!(
        sample_storage(&billing, hour + Duration::hours(1))
            .await
            .unwrap(),
        1
    );

    let usage = usage(&stack, &token, "2026-05").await;
    // 100 micro-units per byte-hour, two hours.
    let micros = bytes * 100 * 2;
    let subtotal = (micros + 500_000) / 1_000_000;
    assert_eq!(usage["storage"]["samples"], 2);
    assert_eq!(
        usage["storage"]["gbHours"].as_f64().unwrap(),
        (bytes * 2) as f64 / 1e9
    );
    assert_eq!(amount(&usage["storage"]["amount"]), subtotal);
    assert_eq!(amount(&usage["subtotal"]), subtotal);
    assert_eq!(amount(&usage["freeAllowance"]), 3);
    assert_eq!(amount(&usage["allowanceApplied"]), subtotal.min(3));
    assert_eq!(amount(&usage["total"]), subtotal - subtotal.min(3));
}

/// The first MP3 with `extra` bytes appended (still a valid upload of another size).
fn mp3_with(extra: &[u8]) -> Vec<u8> {
    let mut bytes = mp3();
    bytes.extend_from_slice(extra);
    bytes
}

#[tokio::test]
async fn closing_a_period_twice_writes_one_invoice_that_never_changes() {
    let stack = stack(None).await;
    let jobs = queue(&stack).await;
    let (token, song) = account(&stack, "invoiced").await;
    let transcode = model(&stack, &token, "transcode", "cpu", None).await;
    let billing = billing(&stack);
    run(
        &stack,
        &jobs,
        &token,
        &transcode,
        &song,
        "cpu",
        &[ran(at(2026, 2, 27, 9, 0, 0), 120_000, "succeeded")],
    )
    .await;
    sample_storage(&billing, at(2026, 2, 27, 9, 0, 0))
        .await
        .unwrap();
    let expected = usage(&stack, &token, "2026-02").await;

    let after_period = at(2026, 3, 1, 0, 30, 0);
    assert_eq!(close_periods(&billing, after_period).await.unwrap(), 1);
    assert_eq!(
        close_periods(&billing, after_period + Duration::hours(1))
            .await
            .unwrap(),
        0
    );

    let invoices = stack
        .gql(
            Cred::Bearer(&token),
            "{ invoices { totalCount nodes { id period periodStart periodEnd subtotal { amount } allowance { amount } total { amount }
               lines { position kind machineType description amount { amount } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(invoices.data("/invoices/totalCount"), 1);
    let invoice = invoices.data("/invoices/nodes/0").clone();
    assert_eq!(invoice["period"], "2026-02");
    assert_eq!(invoice["periodStart"], "2026-02-01T00:00:00+00:00");
    assert_eq!(invoice["periodEnd"], "2026-03-01T00:00:00+00:00");
    assert_eq!(
        invoice["total"],
        expected["total"]
            .as_object()
            .map(|t| json!({"amount": t["amount"]}))
            .unwrap()
    );
    assert_eq!(
        invoice["subtotal"]["amount"],
        expected["subtotal"]["amount"]
    );
    let lines = invoice["lines"].as_array().unwrap();
    assert_eq!(lines[0]["machineType"], "cpu");
    assert_eq!(lines[0]["amount"]["amount"], 12, "120 s at 0.1 cent");
    assert_eq!(lines[1]["kind"], "storage");
    let sum: i64 = lines
        .iter()
        .map(|l| l["amount"]["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, invoice["subtotal"]["amount"].as_i64().unwrap());

    // A late job of the closed month lands in the open period; the invoice stays as it was.
    run(
        &stack,
        &jobs,
        &token,
        &transcode,
        &song,
        "cpu",
        &[ran(at(2026, 2, 28, 23, 0, 0), 60_000, "succeeded")],
    )
    .await;
    let again = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { invoice(id: $id) { total { amount } lines { amount { amount } } } }",
            json!({"id": invoice["id"]}),
        )
        .await;
    assert_eq!(again.data("/invoice/total"), &invoice["total"]);
    assert_eq!(
        usage(&stack, &token, "2026-02").await["byMachineType"],
        expected["byMachineType"]
    );
    let open = Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        usage(&stack, &token, &open).await["byMachineType"][0]["attempts"],
        1
    );
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    let tampered = diesel::sql_query("UPDATE billing.invoices SET total = 0")
        .execute(&mut conn)
        .await;
    assert!(
        tampered.is_err(),
        "the database refuses to change an invoice"
    );
}

#[tokio::test]
async fn a_hard_budget_refuses_the_next_deployment_and_a_soft_one_warns() {
    let stack = stack(None).await;
    let jobs = queue(&stack).await;
    let (token, song) = account(&stack, "budgeted").await;
    // 60 s expected at 0.1 cent/s: an estimate of 6 cents.
    let transcode = model(&stack, &token, "transcode", "cpu", Some(60)).await;
    let set_budget = |limit: i64, hard: bool| {
        let token = token.clone();
        let stack = &stack;
        async move {
            stack
                .gql(
                    Cred::Bearer(&token),
                    "mutation($i: SetBudgetInput!) { setBudget(input: $i) { monthlyLimit { amount } hard } }",
                    json!({"i": {"monthlyLimit": limit, "hard": hard}}),
                )
                .await
                .data("/setBudget/hard")
                .clone()
        }
    };
    let first = deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
    let estimate = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { deployment { id estimatedCost { amount formatted } cost { amount } } } }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(estimate.data("/job/deployment/estimatedCost/amount"), 6);
    // 40 s at 0.1 cent/s this month: 4 cents, 1 past the 3-cent allowance.
    play(
        &stack,
        &jobs,
        &first,
        "cpu",
        &[ran(Utc::now() - Duration::seconds(45), 40_000, "succeeded")],
    )
    .await;

    set_budget(1, false).await;
    let period = Utc::now().format("%Y-%m").to_string();
    let soft = usage(&stack, &token, &period).await;
    assert_eq!(
        amount(&soft["total"]),
        1,
        "4 cents minus the 3-cent allowance"
    );
    assert_eq!(soft["budget"]["exceeded"], true);
    assert!(
        soft["warnings"][0]
            .as_str()
            .unwrap()
            .contains("soft budget"),
        "{soft}"
    );
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let alerts: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM events.event_log WHERE trigger_name = 'budget_exceeded'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(alerts.n, 1, "reaching the budget raises one event");
    deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;

    set_budget(1, true).await;
    let refused = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { id } }",
            json!({"i": {"model": transcode, "args": {"input": song}}}),
        )
        .await;

    assert_eq!(refused.error_code(), "BUDGET_EXCEEDED");
    let message = refused.error_message();
    assert!(
        message.contains("0.01 USD") && message.contains("hard budget"),
        "{message}"
    );

    // Room for usage but not for the estimate: 1 + 6 > 5. (A model that ran is estimated
    // from its observed runtime instead, so this one has not run.)
    let unrun = model(&stack, &token, "long", "cpu", Some(60)).await;
    set_budget(5, true).await;
    let over = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { id } }",
            json!({"i": {"model": unrun, "args": {"input": song}}}),
        )
        .await;
    assert_eq!(over.error_code(), "BUDGET_EXCEEDED");
    assert!(
        over.error_message().contains("estimated at 0.06 USD"),
        "{}",
        over.error_message()
    );
    set_budget(100, true).await;
    deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
}

async fn team_token(stack: &TestStack, user_token: &str, team: &str) -> String {
    stack
        .gql(
            Cred::Bearer(user_token),
            "mutation($t: ID!) { createTeamToken(teamId: $t) { token } }",
            json!({"t": team}),
        )
        .await
        .data("/createTeamToken/token")
        .as_str()
        .unwrap()
        .to_owned()
}

async fn set_budget_as(stack: &TestStack, cred: Cred<'_>, limit: i64) -> GqlResponse {
    stack
        .gql(
            cred,
            "mutation($i: SetBudgetInput!) { setBudget(input: $i) { monthlyLimit { amount } } }",
            json!({"i": {"monthlyLimit": limit, "hard": true}}),
        )
        .await
}

async fn budget_seen_by(stack: &TestStack, cred: Cred<'_>) -> Option<Value> {
    stack
        .gql(cred, "{ budget { monthlyLimit { amount } } }", json!({}))
        .await
        .body
        .pointer("/data/budget/monthlyLimit/amount")
        .cloned()
}

#[tokio::test]
async fn only_team_owners_and_admins_change_the_teams_budget() {
    let stack = stack(None).await;
    let (owner, _, _) = stack.sign_up("budget-owner").await;
    let (admin, _, admin_email) = stack.sign_up("budget-admin").await;
    let (member, _, member_email) = stack.sign_up("budget-member").await;
    let team = stack.create_team(&owner, "Budgeted").await;
    stack
        .join_team(&owner, &team, &admin, &admin_email, "ADMIN")
        .await;
    stack
        .join_team(&owner, &team, &member, &member_email, "MEMBER")
        .await;
    let (team_key, _) = stack.create_key(&owner, Some(&team)).await;
    let stack = &stack;
    let owner_token = team_token(stack, &owner, &team).await;
    let admin_token = team_token(stack, &admin, &team).await;
    let member_token = team_token(stack, &member, &team).await;

    let by_owner = set_budget_as(stack, Cred::Bearer(&owner_token), 500).await;
    let by_admin = set_budget_as(stack, Cred::Bearer(&admin_token), 700).await;
    let by_member = set_budget_as(stack, Cred::Bearer(&member_token), 1_000_000).await;
    let by_key = set_budget_as(stack, Cred::Key(&team_key), 1_000_000).await;
    let removed_by_member = stack
        .gql(
            Cred::Bearer(&member_token),
            "mutation { removeBudget }",
            json!({}),
        )
        .await;

    assert_eq!(by_owner.data("/setBudget/monthlyLimit/amount"), 500);
    assert_eq!(by_admin.data("/setBudget/monthlyLimit/amount"), 700);
    for refused in [&by_member, &by_key, &removed_by_member] {
        assert_eq!(refused.error_code(), "FORBIDDEN", "{}", refused.body);
        assert!(refused.error_message().contains("owners and admins"));
    }
    assert_eq!(
        budget_seen_by(stack, Cred::Bearer(&member_token)).await,
        Some(json!(700)),
        "members still see the team's budget, unchanged"
    );
    // A member's own account is theirs to budget.
    let own = set_budget_as(stack, Cred::Bearer(&member), 100).await;
    assert_eq!(own.data("/setBudget/monthlyLimit/amount"), 100);
}

#[tokio::test]
async fn another_accounts_invoices_and_usage_are_not_found() {
    let stack = stack(None).await;
    let jobs = queue(&stack).await;
    let (owner, song) = account(&stack, "owner").await;
    let (other, _) = account(&stack, "other").await;
    let transcode = model(&stack, &owner, "transcode", "cpu", None).await;
    let id = run(
        &stack,
        &jobs,
        &owner,
        &transcode,
        &song,
        "cpu",
        &[ran(at(2026, 1, 5, 8, 0, 0), 50_000, "succeeded")],
    )
    .await;
    close_periods(&billing(&stack), at(2026, 2, 1, 1, 0, 0))
        .await
        .unwrap();
    let invoice = stack
        .gql(
            Cred::Bearer(&owner),
            "{ invoices { nodes { id } } }",
            json!({}),
        )
        .await
        .data("/invoices/nodes/0/id")
        .clone();

    let foreign = stack
        .gql(
            Cred::Bearer(&other),
            "query($id: ID!) { invoice(id: $id) { id } }",
            json!({"id": invoice}),
        )
        .await;
    let listed = stack
        .gql(
            Cred::Bearer(&other),
            "{ invoices { totalCount } }",
            json!({}),
        )
        .await;
    let job = stack
        .gql(
            Cred::Bearer(&other),
            "query($id: ID!) { job(id: $id) { cost { amount } } }",
            json!({"id": id}),
        )
        .await;

    assert_eq!(foreign.error_code(), "NOT_FOUND");
    assert_eq!(listed.data("/invoices/totalCount"), 0);
    assert_eq!(job.error_code(), "NOT_FOUND");
    assert_eq!(
        usage(&stack, &other, "2026-01").await["byMachineType"],
        json!([])
    );
    assert_eq!(
        usage(&stack, &owner, "2026-01").await["byMachineType"][0]["attempts"],
        1
    );
    let anonymous = stack
        .gql(Cred::None, "{ usage { period } }", json!({}))
        .await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    let malformed = stack
        .gql(
            Cred::Bearer(&owner),
            "{ usage(period: \"March\") { period } }",
            json!({}),
        )
        .await;
    assert_eq!(malformed.error_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_job_run_by_the_real_worker_is_charged_for_its_run_time() {
    let stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.billing.schedule = false;
        config.billing.prices.machine = [("cpu".to_owned(), 10_000_000)].into();
    })
    .await;
    let (token, song) = account(&stack, "worked").await;
    let transcode = model(&stack, &token, "transcode", "cpu", None).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["SUCCEEDED", "FAILED"],
        std::time::Duration::from_secs(30),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    wait_for_events(&stack).await;

    let period = Utc::now().format("%Y-%m").to_string();
    let usage = usage(&stack, &token, &period).await;
    let cpu = &usage["byMachineType"][0];
    assert_eq!(cpu["attempts"], 1);
    let seconds = cpu["machineSeconds"].as_f64().unwrap();
    assert!(seconds > 0.0 && seconds < 30.0, "{seconds}");
    let cost = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { cost { amount } deployment { cost { amount } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(cost.data("/job/cost/amount"), &cpu["amount"]["amount"]);
    assert_eq!(
        cost.data("/job/deployment/cost/amount"),
        &cpu["amount"]["amount"]
    );
}
