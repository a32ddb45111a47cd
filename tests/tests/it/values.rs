//! Filters mean what decoding shows, and decimals are exact, end to end against the sandbox:
//! the seeded zero dates, `""` dropdowns and `0` references are never matched by a typed
//! comparison and are exactly what `is_empty()` selects; amounts come back digit for digit.

use std::collections::BTreeSet;

use crm_runtime::{Client, Date, Decimal, Filter, Id};

use crate::client::start;
use crm_tests::crm::account::{Account, AccountType, fields as a};
use futures::TryStreamExt;
use serde_json::value::RawValue;

async fn ids(client: &Client, filter: Filter<Account>) -> BTreeSet<u64> {
    let found: Vec<Account> = client
        .list::<Account>()
        .filter(filter)
        .items()
        .try_collect()
        .await
        .expect("filtered list");
    found.iter().map(|r| r.id.get()).collect()
}

fn which(all: &[Account], keep: impl Fn(&Account) -> bool) -> BTreeSet<u64> {
    all.iter().filter(|r| keep(r)).map(|r| r.id.get()).collect()
}

/// How many records send `field` in each raw form: the seed must hold the empty forms, or the
/// filter tests below would prove nothing.
async fn raw_forms(client: &Client, field: &str, form: &str) -> usize {
    let raw: Vec<crm_runtime::RawRecord> = client
        .object("accounts")
        .list()
        .items()
        .try_collect()
        .await
        .expect("raw list");
    raw.iter()
        .filter(|r| {
            let map = r.to_map().expect("map");
            map.get(field).map(ToString::to_string).as_deref() == Some(form)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_filters_never_match_what_decodes_as_none() {
    let (sandbox, client) = start(300).await;
    let all: Vec<Account> = client
        .list::<Account>()
        .items()
        .try_collect()
        .await
        .expect("all");
    assert!(raw_forms(&client, "renewaldate", "\"0000-00-00\"").await > 0);
    assert!(raw_forms(&client, "campaignid", "0").await > 0);
    assert!(raw_forms(&client, "type", "\"\"").await > 0);

    let day = Date::from_ymd(2020, 1, 1).expect("date");
    let date = |r: &Account| r.renewaldate;
    let lt = ids(&client, a::RENEWALDATE.lt(day)).await;
    assert!(!lt.is_empty());
    assert_eq!(lt, which(&all, |r| date(r).is_some_and(|d| d < day)));
    assert_eq!(
        ids(&client, a::RENEWALDATE.lte(day)).await,
        which(&all, |r| date(r).is_some_and(|d| d <= day))
    );
    assert_eq!(
        ids(&client, a::RENEWALDATE.ne(day)).await,
        which(&all, |r| date(r).is_some_and(|d| d != day))
    );
    assert_eq!(
        ids(&client, a::RENEWALDATE.gt(day)).await,
        which(&all, |r| date(r).is_some_and(|d| d > day))
    );
    let empty = ids(&client, a::RENEWALDATE.is_empty()).await;
    assert_eq!(empty, which(&all, |r| date(r).is_none()));
    assert!(empty.len() > 1);
    assert_eq!(
        ids(&client, a::RENEWALDATE.is_set()).await,
        which(&all, |r| date(r).is_some())
    );

    let campaign = all
        .iter()
        .find_map(|r| r.campaignid)
        .expect("a record with a campaign");
    assert_eq!(
        ids(&client, a::CAMPAIGNID.ne(campaign)).await,
        which(&all, |r| r.campaignid.is_some_and(|c| c != campaign))
    );
    assert_eq!(
        ids(&client, a::CAMPAIGNID.none_of([campaign, Id::new(1)])).await,
        which(&all, |r| r
            .campaignid
            .is_some_and(|c| c != campaign && c != Id::new(1)))
    );
    assert_eq!(
        ids(&client, a::CAMPAIGNID.is_empty()).await,
        which(&all, |r| r.campaignid.is_none())
    );
    assert_eq!(
        ids(&client, a::CAMPAIGNID.is_set()).await,
        which(&all, |r| r.campaignid.is_some())
    );

    assert_eq!(
        ids(&client, a::TYPE_.ne(AccountType::Client)).await,
        which(&all, |r| r
            .type_
            .as_ref()
            .is_some_and(|t| *t != AccountType::Client))
    );
    assert_eq!(
        ids(&client, a::TYPE_.is_empty()).await,
        which(&all, |r| r.type_.is_none())
    );
    assert_eq!(
        ids(&client, a::TYPE_.is_set()).await,
        which(&all, |r| r.type_.is_some())
    );

    assert_eq!(
        ids(&client, a::PHONE.is_empty()).await,
        which(&all, |r| r.phone.as_deref().is_none_or(str::is_empty))
    );
    assert_eq!(
        ids(&client, a::PHONE.is_set()).await,
        which(&all, |r| r.phone.as_deref().is_some_and(|p| !p.is_empty()))
    );
    sandbox.shutdown().await;
}

const AMOUNTS: [&str; 6] = [
    "98765432109876.54",
    "0.10",
    "-0.10",
    "123456789012345678",
    "-1234567890123456.78",
    "420",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimals_round_trip_digit_for_digit_as_strings_and_numbers() {
    let (sandbox, client) = start(5).await;
    let mut created = Vec::new();
    for text in AMOUNTS {
        let amount: Decimal = text.parse().expect("decimal");
        let new = Account::builder()
            .name(format!("Exact {text}"))
            .annualrevenue(amount.clone())
            .build();
        let back: Account = client.create(&new).await.expect("create");
        assert_eq!(back.annualrevenue.as_ref().map(Decimal::as_str), Some(text));
        let again: Account = client.get(back.id).await.expect("get");
        assert_eq!(again.annualrevenue, Some(amount.clone()));
        // A JSON number, not a string: the body is sent exactly as written here.
        let body = RawValue::from_string(format!(
            r#"{{"name":"Number {text}","annualrevenue":{text}}}"#
        ))
        .expect("json");
        let raw = client
            .object("accounts")
            .create(&body)
            .await
            .expect("create with a number");
        let id = Id::new(raw.id().expect("id"));
        let typed: Account = client.get(id).await.expect("get");
        assert_eq!(typed.annualrevenue, Some(amount.clone()), "{text}");
        let exact = ids(&client, a::ANNUALREVENUE.eq(amount)).await;
        assert_eq!(exact, BTreeSet::from([back.id.get(), id.get()]), "{text}");
        created.push((text, back.id.get()));
    }
    // Compared and ordered as numbers, at every digit: `…76.54` < `…76.55`.
    let near: Decimal = "98765432109876.55".parse().expect("decimal");
    let below = ids(
        &client,
        a::ANNUALREVENUE.lt(near) & a::NAME.starts_with("Exact"),
    )
    .await;
    let want: BTreeSet<u64> = created
        .iter()
        .filter(|(text, _)| *text != "123456789012345678")
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(below, want);
    let ordered: Vec<Account> = client
        .list::<Account>()
        .filter(a::NAME.starts_with("Exact"))
        .order_by(a::ANNUALREVENUE.asc())
        .items()
        .try_collect()
        .await
        .expect("ordered");
    let texts: Vec<&str> = ordered
        .iter()
        .filter_map(|r| r.annualrevenue.as_ref().map(Decimal::as_str))
        .collect();
    assert_eq!(
        texts,
        [
            "-1234567890123456.78",
            "-0.10",
            "0.10",
            "420",
            "98765432109876.54",
            "123456789012345678"
        ]
    );
    sandbox.shutdown().await;
}
