//! The call assistant against its real protocol peers on loopback: a Telnyx that dials, sends
//! signed call webhooks and streams a homeowner's recorded answers over the media WebSocket,
//! a Deepgram that hears them, an ElevenLabs that speaks. The law comes first: no consent, an
//! opt-out or quiet hours mean no call.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    fake_voice::{
        ANTHROPIC_KEY, Act, Answer, CONNECTION_ID, DEEPGRAM_KEY, ELEVENLABS_KEY, FakeCalls, FakeClaude, FakeDeepgram,
        FakeElevenLabs, Scenario, TELNYX_KEY, homeowner_wav,
    },
    fishmouth::contractor,
    helpers::{TestApp, spawn_app_with, telnyx_public},
    sequences::{daytime_zone, enroll_due, sequence, user_id, zone_where_the_hour_is},
};

struct Rig {
    app: TestApp,
    telnyx: FakeCalls,
    deepgram: FakeDeepgram,
    voice: FakeElevenLabs,
    pro: Client,
    user: Uuid,
}

impl Rig {
    /// The next call is answered by `answer`, who has `answers` answers recorded and does `acts`.
    async fn homeowner(&self, answer: Answer, answers: usize, acts: Vec<Act>) {
        let wav = homeowner_wav(answers);
        self.telnyx.expect(Scenario { answer, wav, acts }).await;
    }
}

/// An app with calls set up against the fakes, and a contractor with $20 and the assistant on.
async fn rig(script: &[&str], extra: &[(&str, &str)]) -> Rig {
    let telnyx = FakeCalls::start().await;
    let deepgram = FakeDeepgram::start(script).await;
    let voice = FakeElevenLabs::start().await;
    let public = telnyx_public();
    let mut settings = vec![
        ("TELNYX_API_KEY", TELNYX_KEY),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", telnyx.base.as_str()),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
        ("TELNYX_CONNECTION_ID", CONNECTION_ID),
        ("DEEPGRAM_API_KEY", DEEPGRAM_KEY),
        ("DEEPGRAM_URL", deepgram.url.as_str()),
        ("ELEVENLABS_API_KEY", ELEVENLABS_KEY),
        ("ELEVENLABS_API_BASE", voice.base.as_str()),
    ];
    settings.extend_from_slice(extra);
    let app = spawn_app_with(&settings).await;
    *telnyx.app.lock().await = app.address.clone();
    let pro = contractor(&app, "caller@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "caller@example.com").await;
    sqlx::query(
        "INSERT INTO fm_profiles (user_id, company_name) VALUES ($1, 'Lone Star Roofing')
         ON CONFLICT (user_id) DO UPDATE SET company_name = EXCLUDED.company_name",
    )
    .bind(user)
    .execute(&mut db)
    .await
    .expect("company");
    sqlx::query("INSERT INTO wallets (user_id, balance_cents) VALUES ($1, 2000) ON CONFLICT (user_id) DO UPDATE SET balance_cents = 2000")
        .bind(user)
        .execute(&mut db)
        .await
        .expect("wallet");
    let form = settings_form(true, "hang_up", "");
    let saved = post(&app, &pro, "/api/pro/voice-settings-save", &form).await;
    assert_eq!(saved.0, StatusCode::OK, "{}", saved.1);
    Rig {
        app,
        telnyx,
        deepgram,
        voice,
        pro,
        user,
    }
}

fn settings_form(enabled: bool, voicemail: &str, voicemail_text: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("s[assistant_name]", "Sam"),
        ("s[timezone]", "America/Chicago"),
        ("s[voicemail_action]", voicemail),
        ("s[voicemail_text]", voicemail_text),
        ("s[max_attempts]", "2"),
        ("s[retention_days]", "90"),
        ("s[recording]", "true"),
        ("s[slot_days][0]", "0"),
        ("s[slot_days][1]", "1"),
        ("s[slot_days][2]", "2"),
        ("s[slot_days][3]", "3"),
        ("s[slot_days][4]", "4"),
        ("s[slot_hours][9]", "9"),
        ("s[slot_hours][14]", "14"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if enabled {
        form.push(("s[enabled]".into(), "true".into()));
    }
    form
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> (StatusCode, Value) {
    let response = client.post(app.url(path)).form(form).send().await.expect("post");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A lead of hers in a zone where it is now afternoon, with written consent to calls.
async fn consenting_lead(rig: &Rig, zone: Option<&str>) -> Uuid {
    let mut db = rig.app.db().await;
    let zone = match zone {
        Some(zone) => zone.to_owned(),
        None => daytime_zone(&mut db).await,
    };
    let lead = one_lead(&mut db, rig.user, &zone).await;
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let (status, body) = post(
        &rig.app,
        &rig.pro,
        "/api/pro/lead-call-consent",
        &form(&[
            ("id", &lead.to_string()),
            ("source", "Signed form at the door"),
            ("given_on", &today),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    lead
}

/// A home in Texas with a phone of its own, bought as her lead, with consent to texts.
async fn one_lead(db: &mut PgConnection, user: Uuid, zone: &str) -> Uuid {
    let n: i64 = rand_number();
    sqlx::query_scalar(
        "WITH home AS (
             INSERT INTO properties (parcel_id, address, lat, lon, timezone, source, phone, owner_name)
             VALUES ('C' || $2::text, $2::text || ' Elm St, Dallas, TX 75201', 32.7, -96.8, $3, 'import',
                     '+1214' || lpad(($2 % 10000000)::text, 7, '0'), 'GARCIA, MARIA') RETURNING id)
         INSERT INTO leads (id, user_id, property_id, score, factors, reasons, confidence, price_cents, sms_consent_at)
         SELECT gen_random_uuid(), $1, id, 85, '{}', '[]', 50, 0, now() FROM home RETURNING id",
    )
    .bind(user)
    .bind(n)
    .bind(zone)
    .fetch_one(db)
    .await
    .expect("a lead")
}

fn rand_number() -> i64 {
    i64::from(Uuid::new_v4().as_u128() as u32)
}

async fn call(rig: &Rig, lead: Uuid) -> (StatusCode, Value) {
    post(
        &rig.app,
        &rig.pro,
        "/api/pro/call-lead",
        &form(&[("id", &lead.to_string())]),
    )
    .await
}

/// status, outcome, cost, detail, ended.
type CallRow = (String, Option<String>, Option<i32>, Option<String>, bool);

/// The lead's newest call once it has ended and been priced (waits up to 20 s).
async fn ended(db: &mut PgConnection, lead: Uuid) -> (String, Option<String>, i32, Option<String>) {
    for _ in 0..200 {
        let row: Option<CallRow> = sqlx::query_as(
            "SELECT status, outcome, cost_cents, detail, ended_at IS NOT NULL FROM fm_calls
             WHERE lead_id = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(lead)
        .fetch_optional(&mut *db)
        .await
        .expect("call");
        // An answered call's outcome is written by its media stream, which may finish just
        // after Telnyx's hangup arrives.
        if let Some((status, outcome, Some(cost), detail, true)) = row
            && (status != "completed" || outcome.is_some())
        {
            return (status, outcome, cost, detail);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the call did not end");
}

async fn scalar(db: &mut PgConnection, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db).await.expect(sql)
}

#[tokio::test]
async fn an_assistant_call_books_an_inspection_end_to_end() {
    let rig = rig(&["Yes, sure.", "The second one, please."], &[]).await;
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 2, vec![Act::Say(0), Act::Say(1)]).await;
    let (status, id) = call(&rig, lead).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let mut db = rig.app.db().await;
    let (status, outcome, cost, detail) = ended(&mut db, lead).await;
    assert_eq!(
        (status.as_str(), outcome.as_deref()),
        ("completed", Some("booked")),
        "{detail:?}"
    );

    // Telnyx was asked as its docs say: our Call Control app, a bidirectional μ-law stream,
    // answering-machine detection, our call id in client_state.
    let dial = rig.telnyx.seen.lock().await.dials[0].clone();
    assert_eq!(dial["connection_id"], CONNECTION_ID);
    assert_eq!(dial["from"], "+12145550100");
    assert_eq!(dial["stream_bidirectional_mode"], "rtp");
    assert_eq!(dial["stream_bidirectional_codec"], "PCMU");
    assert_eq!(dial["answering_machine_detection"], "detect");
    assert!(
        dial["stream_url"]
            .as_str()
            .unwrap_or_default()
            .contains("/webhooks/telnyx/media/")
    );
    use base64::Engine as _;
    let state = base64::engine::general_purpose::STANDARD
        .decode(dial["client_state"].as_str().unwrap_or_default())
        .expect("base64 client_state");
    assert_eq!(
        String::from_utf8(state).expect("utf-8"),
        id.as_str().unwrap_or_default()
    );

    // She heard the disclosure first, then the slots, then the booking; the assistant hung up.
    let said = rig.voice.said().await;
    assert!(
        said[0].contains("automated assistant calling for Lone Star Roofing"),
        "{said:?}"
    );
    assert!(
        said[0].contains("may be recorded") && said[0].contains("press 9"),
        "{said:?}"
    );
    assert!(said[1].contains("I can offer"), "{said:?}");
    assert!(said[2].contains("You are booked for"), "{said:?}");
    let logs = rig.telnyx.ended(1).await;
    assert!(logs[0].hung_up_by_app, "{logs:?}");
    assert!(logs[0].assistant_audio > 1000, "{logs:?}");
    assert!(
        rig.deepgram.audio.load(std::sync::atomic::Ordering::Relaxed) > 9000,
        "her audio reached Deepgram"
    );

    // The lead is an appointment with a note; she is emailed; the homeowner (who agreed to
    // texts) gets a confirmation.
    let stage: String = sqlx::query_scalar("SELECT stage FROM leads WHERE id = $1")
        .bind(lead)
        .fetch_one(&mut db)
        .await
        .expect("stage");
    assert_eq!(stage, "appointment");
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM lead_notes WHERE lead_id = $1 AND body LIKE 'Inspection booked by the call assistant for %'", lead).await,
        1
    );
    let sms: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE idempotency_key LIKE 'call-booked-sms:%'")
        .fetch_one(&mut db)
        .await
        .expect("the homeowner's confirmation");
    assert!(
        sms.contains("Lone Star Roofing") && sms.contains("is booked for"),
        "{sms}"
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key = 'call-booked:' || $1::text",
            Uuid::parse_str(id.as_str().unwrap_or_default()).expect("id")
        )
        .await,
        1
    );

    // Priced by the started minute; the hold is given back; the wallet never went below zero.
    assert_eq!(cost, 15, "one started minute");
    let balance: i64 = sqlx::query_scalar("SELECT balance_cents FROM wallets WHERE user_id = $1")
        .bind(rig.user)
        .fetch_one(&mut db)
        .await
        .expect("balance");
    assert_eq!(balance, 2000 - 15);

    // The call page shows the transcript turn by turn, sealed at rest.
    let view: Value = rig
        .pro
        .get(rig.app.url("/api/pro/call"))
        .query(&[("id", id.as_str().unwrap_or_default())])
        .send()
        .await
        .expect("call page")
        .json()
        .await
        .expect("json");
    let lines: Vec<(bool, String)> = view["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .map(|l| {
            (
                l["homeowner"].as_bool().unwrap_or_default(),
                l["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[1], (true, "Yes, sure.".to_owned()));
    assert_eq!(lines[3], (true, "The second one, please.".to_owned()));
    assert_eq!(view["call"]["outcome"], "Inspection booked");
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT transcript FROM fm_calls WHERE lead_id = $1")
        .bind(lead)
        .fetch_one(&mut db)
        .await
        .expect("transcript");
    assert!(
        !String::from_utf8_lossy(&sealed).contains("second one"),
        "the transcript is encrypted"
    );

    // Her data export holds the call with its transcript opened, and not its stream secret.
    let export: Value = rig
        .pro
        .get(rig.app.url("/account/export.json"))
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("json");
    let exported = &export["fm_calls"][0];
    assert_eq!(exported["transcript"][1]["text"], "Yes, sure.", "{exported}");
    assert!(exported.get("media_token").is_none());

    // Another contractor cannot read it.
    let rival = contractor(&rig.app, "rival@example.com").await;
    let status = rival
        .get(rig.app.url("/api/pro/call"))
        .query(&[("id", id.as_str().unwrap_or_default())])
        .send()
        .await
        .expect("rival")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting the lead's home deletes its calls and their transcripts.
    sqlx::query("DELETE FROM leads WHERE id = $1")
        .bind(lead)
        .execute(&mut db)
        .await
        .expect("delete");
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_calls WHERE lead_id = $1", lead).await,
        0
    );
}

#[tokio::test]
async fn pressing_nine_or_saying_stop_opts_out_at_once_and_forever() {
    let rig = rig(&["Stop calling me."], &[]).await;
    let pressed = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 1, vec![Act::Press('9')]).await;
    assert_eq!(call(&rig, pressed).await.0, StatusCode::OK);
    let mut db = rig.app.db().await;
    let (status, outcome, _, _) = ended(&mut db, pressed).await;
    assert_eq!((status.as_str(), outcome.as_deref()), ("completed", Some("opted_out")));
    let phone: String =
        sqlx::query_scalar("SELECT p.phone FROM leads l JOIN properties p ON p.id = l.property_id WHERE l.id = $1")
            .bind(pressed)
            .fetch_one(&mut db)
            .await
            .expect("phone");
    let channels: Vec<String> =
        sqlx::query_scalar("SELECT channel FROM fm_opt_outs WHERE address = $1 ORDER BY channel")
            .bind(&phone)
            .fetch_all(&mut db)
            .await
            .expect("opt-outs");
    assert_eq!(channels, ["call", "sms"]);
    assert!(
        rig.voice
            .said()
            .await
            .last()
            .is_some_and(|s| s.contains("will not call you again"))
    );

    // Forever: the page refuses a new call, and a call queued before is never dialled.
    let (status, refused) = call(&rig, pressed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("asked not to be contacted")
    );
    sqlx::query("INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token) SELECT $1, user_id, id, $2, 'tok' || md5($1::text) FROM leads WHERE id = $3")
        .bind(Uuid::new_v4())
        .bind(&phone)
        .bind(pressed)
        .execute(&mut db)
        .await
        .expect("a queued call");
    let (status, _, _, detail) = ended(&mut db, pressed).await;
    assert_eq!(status, "canceled");
    assert_eq!(detail.as_deref(), Some("this number asked not to be contacted"));
    assert_eq!(rig.telnyx.dials().await, 1);

    // Saying stop does the same, before the goodbye is spoken.
    let said = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 1, vec![Act::Say(0)]).await;
    assert_eq!(call(&rig, said).await.0, StatusCode::OK);
    let (_, outcome, _, _) = ended(&mut db, said).await;
    assert_eq!(outcome.as_deref(), Some("opted_out"));
}

#[tokio::test]
async fn no_consent_no_call_and_quiet_hours_wait() {
    let rig = rig(&[], &[]).await;
    let mut db = rig.app.db().await;
    let zone = daytime_zone(&mut db).await;
    let lead = one_lead(&mut db, rig.user, &zone).await;
    let (status, refused) = call(&rig, lead).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["fields"][0]["field"], "call");
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("written consent")
    );
    // A consent to texts is not one to calls: a call queued anyway is cancelled, not dialled.
    sqlx::query("INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token) SELECT $1, l.user_id, l.id, p.phone, 'tok' || md5($1::text) FROM leads l JOIN properties p ON p.id = l.property_id WHERE l.id = $2")
        .bind(Uuid::new_v4())
        .bind(lead)
        .execute(&mut db)
        .await
        .expect("a queued call");
    let (status, _, cost, detail) = ended(&mut db, lead).await;
    assert_eq!((status.as_str(), cost), ("canceled", 0));
    assert!(detail.unwrap_or_default().contains("written consent"));

    // Bad consent input names its field and records nothing.
    for (field, pairs) in [
        ("source", vec![("source", ""), ("given_on", "2026-12-01")]),
        ("given_on", vec![("source", "Web form"), ("given_on", "2999-01-01")]),
    ] {
        let mut pairs = pairs;
        let id = lead.to_string();
        pairs.push(("id", id.as_str()));
        let (status, body) = post(&rig.app, &rig.pro, "/api/pro/lead-call-consent", &form(&pairs)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["fields"][0]["field"], field);
    }
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_call_consents WHERE lead_id = $1",
            lead
        )
        .await,
        0
    );

    // At night in the homeowner's zone the call waits for morning.
    let night = zone_where_the_hour_is(&mut db, 0.0..6.0).await;
    let sleeping = consenting_lead(&rig, Some(&night)).await;
    assert_eq!(call(&rig, sleeping).await.0, StatusCode::OK);
    let mut waited = false;
    for _ in 0..50 {
        waited = scalar(&mut db, "SELECT count(*) FROM fm_calls WHERE lead_id = $1 AND status = 'queued' AND due_at > now() + interval '1 hour'", sleeping).await == 1;
        if waited {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(waited, "the call waits for the morning");
    assert_eq!(rig.telnyx.dials().await, 0);
}

#[tokio::test]
async fn a_machine_hears_her_message_or_nothing_and_a_homeowner_may_hang_up() {
    let rig = rig(&[], &[]).await;
    let form = settings_form(
        true,
        "leave",
        "Hello, this is Sam for Lone Star Roofing about a free roof inspection.",
    );
    assert_eq!(
        post(&rig.app, &rig.pro, "/api/pro/voice-settings-save", &form).await.0,
        StatusCode::OK
    );
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Machine, 1, vec![]).await;
    assert_eq!(call(&rig, lead).await.0, StatusCode::OK);
    let mut db = rig.app.db().await;
    let (status, _, cost, _) = ended(&mut db, lead).await;
    assert_eq!(status, "voicemail");
    assert_eq!(cost, 15);
    assert_eq!(
        rig.voice.said().await,
        ["Hello, this is Sam for Lone Star Roofing about a free roof inspection."]
    );

    // Set to hang up: nothing is said.
    let form = settings_form(true, "hang_up", "");
    assert_eq!(
        post(&rig.app, &rig.pro, "/api/pro/voice-settings-save", &form).await.0,
        StatusCode::OK
    );
    let silent = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Machine, 1, vec![]).await;
    assert_eq!(call(&rig, silent).await.0, StatusCode::OK);
    assert_eq!(ended(&mut db, silent).await.0, "voicemail");
    assert_eq!(rig.voice.said().await.len(), 1);

    // Nobody answers: no charge.
    let away = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Nobody, 1, vec![]).await;
    assert_eq!(call(&rig, away).await.0, StatusCode::OK);
    let (status, _, cost, _) = ended(&mut db, away).await;
    assert_eq!((status.as_str(), cost), ("no_answer", 0));

    // She hangs up after the opening.
    let rude = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 1, vec![Act::HangUp]).await;
    assert_eq!(call(&rig, rude).await.0, StatusCode::OK);
    let (status, outcome, _, _) = ended(&mut db, rude).await;
    assert_eq!((status.as_str(), outcome.as_deref()), ("completed", Some("hung_up")));

    // Bad settings name their field and change nothing.
    let mut bad = settings_form(true, "leave", "");
    for (key, value) in &mut bad {
        if key == "s[max_attempts]" {
            *value = "9".into();
        }
    }
    let (status, body) = post(&rig.app, &rig.pro, "/api/pro/voice-settings-save", &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["voicemail_text", "max_attempts"]);
    let action: String = sqlx::query_scalar("SELECT voicemail_action FROM fm_voice_settings WHERE user_id = $1")
        .bind(rig.user)
        .fetch_one(&mut db)
        .await
        .expect("settings");
    assert_eq!(action, "hang_up");
}

#[tokio::test]
async fn she_speaks_over_the_assistant_and_it_stops_within_300_ms() {
    let rig = rig(&["Yes.", "Wait, how much does it cost?"], &[]).await;
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 2, vec![Act::Say(0), Act::SpeakOver(1), Act::HangUp])
        .await;
    assert_eq!(call(&rig, lead).await.0, StatusCode::OK);
    let logs = rig.telnyx.ended(1).await;
    let barge_in = logs[0].barge_in.expect("the assistant's playback was cleared");
    assert!(barge_in < Duration::from_millis(300), "{barge_in:?}");
    // What she said over it was heard and answered.
    assert!(rig.voice.said().await.iter().any(|s| s.contains("good question")));
}

#[tokio::test]
async fn a_provider_failing_mid_call_ends_it_politely() {
    let rig = rig(&["Yes."], &[]).await;
    *rig.deepgram.fail_after.lock().await = Some(1);
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 2, vec![Act::Say(0), Act::Say(1)]).await;
    assert_eq!(call(&rig, lead).await.0, StatusCode::OK);
    let mut db = rig.app.db().await;
    let (status, outcome, _, _) = ended(&mut db, lead).await;
    assert_eq!((status.as_str(), outcome.as_deref()), ("completed", Some("callback")));
    assert!(
        rig.voice
            .said()
            .await
            .last()
            .is_some_and(|s| s.contains("having trouble"))
    );
    assert!(rig.telnyx.ended(1).await[0].hung_up_by_app);
}

#[tokio::test]
async fn two_instances_never_dial_one_number_twice_and_a_lost_dial_is_never_retried() {
    let rig = rig(&[], &[]).await;
    let database_url = rig.app.database_url();
    let public = telnyx_public();
    let second = spawn_app_with(&[
        ("DATABASE_URL", database_url.as_str()),
        ("TELNYX_API_KEY", TELNYX_KEY),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", rig.telnyx.base.as_str()),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
        ("TELNYX_CONNECTION_ID", CONNECTION_ID),
        ("DEEPGRAM_API_KEY", DEEPGRAM_KEY),
        ("DEEPGRAM_URL", rig.deepgram.url.as_str()),
    ])
    .await;
    let lead = consenting_lead(&rig, None).await;
    let mut db = rig.app.db().await;
    // Five calls to one number, due at once, with both instances' workers running; the
    // homeowner never answers the first, which rings until the test ends.
    sqlx::query(
        "INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token)
         SELECT gen_random_uuid(), l.user_id, l.id, p.phone, md5(random()::text) || i
         FROM leads l JOIN properties p ON p.id = l.property_id, generate_series(1, 5) i WHERE l.id = $1",
    )
    .bind(lead)
    .execute(&mut db)
    .await
    .expect("calls");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rig.telnyx.dials().await, 1, "one live call per number");
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_calls WHERE lead_id = $1 AND status = 'queued' AND due_at > now()",
            lead
        )
        .await,
        4
    );

    // An instance that died between marking a call and dialling it: the call fails, its hold
    // comes back, and it is never dialled.
    let other = consenting_lead(&rig, None).await;
    let lost = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token, status, dialed_at)
         SELECT $1, l.user_id, l.id, p.phone, md5($1::text), 'dialing', now() - interval '3 minutes'
         FROM leads l JOIN properties p ON p.id = l.property_id WHERE l.id = $2",
    )
    .bind(lost)
    .bind(other)
    .execute(&mut db)
    .await
    .expect("a lost call");
    let (status, _, cost, _) = ended(&mut db, other).await;
    assert_eq!((status.as_str(), cost), ("failed", 0));
    assert_eq!(rig.telnyx.dials().await, 1);
    drop(second);
}

#[tokio::test]
async fn an_ai_call_step_places_one_call_per_enrollment_step_ever() {
    let rig = rig(&["Not interested, thanks."], &[]).await;
    let lead = consenting_lead(&rig, None).await;
    let mut db = rig.app.db().await;
    rig.homeowner(Answer::Human, 1, vec![Act::Say(0)]).await;
    let (sequence, _) = sequence(&mut db, rig.user, &[("ai_call", 0, "Offer a free inspection.")]).await;
    enroll_due(&mut db, rig.user, sequence, &[lead]).await;
    let (status, outcome, _, _) = ended(&mut db, lead).await;
    assert_eq!(
        (status.as_str(), outcome.as_deref()),
        ("completed", Some("not_interested"))
    );
    // The step is recorded once, and running the engine again places no second call.
    let pool = crate::sequences::pool(&rig.app).await;
    let engine = crate::sequences::engine(&pool, &rig.app);
    engine.run_once(100).await.expect("engine");
    sqlx::query(
        "UPDATE fm_enrollments SET state = 'active', next_due_at = now() - interval '1 second' WHERE lead_id = $1",
    )
    .bind(lead)
    .execute(&mut db)
    .await
    .expect("due again");
    engine.run_once(100).await.expect("engine");
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_calls WHERE lead_id = $1", lead).await,
        1
    );
    assert_eq!(rig.telnyx.dials().await, 1);
}

#[tokio::test]
async fn with_a_model_the_assistant_books_through_its_tools_but_stop_never_waits_for_it() {
    let claude = FakeClaude::start(vec![
        (
            "Great. I can come Monday at 9 am or Monday at 2 pm. Which suits you?",
            vec![],
        ),
        (
            "You are booked for Monday at 2 pm. Goodbye.",
            vec![("book_inspection", serde_json::json!({ "slot": 2 }))],
        ),
    ])
    .await;
    let rig = rig(
        &["Sure, the roof leaks a bit.", "The afternoon one."],
        &[
            ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
            ("ANTHROPIC_API_BASE", claude.base.as_str()),
        ],
    )
    .await;
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 2, vec![Act::Say(0), Act::Say(1)]).await;
    assert_eq!(call(&rig, lead).await.0, StatusCode::OK);
    let mut db = rig.app.db().await;
    let (status, outcome, _, detail) = ended(&mut db, lead).await;
    assert_eq!(
        (status.as_str(), outcome.as_deref()),
        ("completed", Some("booked")),
        "{detail:?}"
    );
    let booked: String = sqlx::query_scalar("SELECT booked_label FROM fm_calls WHERE lead_id = $1")
        .bind(lead)
        .fetch_one(&mut db)
        .await
        .expect("booked");
    assert!(booked.ends_with("at 2 pm"), "the second slot: {booked}");
    let said = rig.voice.said().await;
    assert_eq!(
        said[1],
        "Great. I can come Monday at 9 am or Monday at 2 pm. Which suits you?"
    );
    // The model was told who it speaks for, about which home, and heard her in order.
    let requests = claude.requests.lock().await.clone();
    assert_eq!(requests.len(), 2);
    let system = requests[0]["system"].as_str().unwrap_or_default();
    assert!(
        system.contains("Lone Star Roofing") && system.contains("Elm St, Dallas"),
        "{system}"
    );
    assert_eq!(requests[1]["messages"][0]["content"], "Sure, the roof leaks a bit.");
    assert_eq!(requests[1]["messages"][2]["content"], "The afternoon one.");
    let tools: Vec<&str> = requests[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        tools,
        [
            "book_inspection",
            "schedule_callback",
            "opt_out",
            "transfer_to_rep",
            "end_call"
        ]
    );

    // "Stop" opts out by the rules, without asking the model.
    *rig.deepgram.script.lock().await = vec!["Please stop calling.".to_owned()];
    let stopping = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 1, vec![Act::Say(0)]).await;
    assert_eq!(call(&rig, stopping).await.0, StatusCode::OK);
    assert_eq!(ended(&mut db, stopping).await.1.as_deref(), Some("opted_out"));
    assert_eq!(claude.requests.lock().await.len(), 2, "the model was not asked");
}

#[tokio::test]
async fn transcripts_are_erased_after_her_retention() {
    let rig = rig(&["Yes, sure.", "The second one, please."], &[]).await;
    let lead = consenting_lead(&rig, None).await;
    rig.homeowner(Answer::Human, 2, vec![Act::Say(0), Act::Say(1)]).await;
    assert_eq!(call(&rig, lead).await.0, StatusCode::OK);
    let mut db = rig.app.db().await;
    assert_eq!(ended(&mut db, lead).await.1.as_deref(), Some("booked"));
    let pool = crate::sequences::pool(&rig.app).await;
    // Within her 90 days: kept.
    sqlx::query("UPDATE fm_calls SET ended_at = now() - interval '89 days' WHERE lead_id = $1")
        .bind(lead)
        .execute(&mut db)
        .await
        .expect("age");
    app::fishmouth::calls::store::forget_old_transcripts(&pool)
        .await
        .expect("retention");
    let kept = "SELECT count(*) FROM fm_calls WHERE lead_id = $1 AND transcript IS NOT NULL";
    assert_eq!(scalar(&mut db, kept, lead).await, 1);
    // Past them: erased, the call's record kept.
    sqlx::query("UPDATE fm_voice_settings SET retention_days = 30 WHERE user_id = $1")
        .bind(rig.user)
        .execute(&mut db)
        .await
        .expect("30 days");
    app::fishmouth::calls::store::forget_old_transcripts(&pool)
        .await
        .expect("retention");
    assert_eq!(scalar(&mut db, kept, lead).await, 0);
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_calls WHERE lead_id = $1 AND outcome = 'booked'",
            lead
        )
        .await,
        1
    );
}
