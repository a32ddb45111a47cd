//! Typed surfaces against the sandbox with hand-written types shaped like generated code:
//! typed filters and orders, lookup enums through `LookupField`, and opportunity lines.

use std::fmt;
use std::str::FromStr;

use crm_runtime::filter::Op;
use crm_runtime::order::Direction;
use crm_runtime::{Filter, HasLines, Id, LookupEnum, LookupField, Object, Order, Record};
use futures::TryStreamExt;
use serde::Deserialize;

use crate::common::{Account, Accounts};
use crate::sandbox::start;

#[derive(Debug, Clone, PartialEq, Eq)]
enum AccountType {
    Customer,
    Other(String),
}
impl FromStr for AccountType {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if s == "Customer" {
            AccountType::Customer
        } else {
            AccountType::Other(s.to_owned())
        })
    }
}
impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl LookupEnum for AccountType {
    fn as_str(&self) -> &str {
        match self {
            AccountType::Customer => "Customer",
            AccountType::Other(s) => s,
        }
    }
}
struct AccountTypeField;
impl LookupField for AccountTypeField {
    type Object = Accounts;
    type Value = AccountType;
    const FIELD: &'static str = "type";
    const LIST_NAME: &'static str = "account_type";
}

enum Opportunities {}
impl Object for Opportunities {
    const API_NAME: &'static str = "opportunities";
    const RECORD_TYPE: Option<&'static str> = Some("opportunity");
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}
enum OpportunityLines {}
impl Object for OpportunityLines {
    const API_NAME: &'static str = "opportunity_lines";
    const RECORD_TYPE: Option<&'static str> = None;
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}
impl HasLines for Opportunities {
    type Line = Line;
}
#[derive(Debug, Deserialize)]
struct Line {
    id: Id<OpportunityLines>,
    opportunityid: Option<Id<Opportunities>>,
}
impl Record for Line {
    type Object = OpportunityLines;
    fn id(&self) -> Id<OpportunityLines> {
        self.id
    }
}
#[derive(Debug, Deserialize)]
struct Opportunity {
    id: Id<Opportunities>,
    #[serde(default)]
    lines: Option<Vec<Line>>,
}
impl Record for Opportunity {
    type Object = Opportunities;
    fn id(&self) -> Id<Opportunities> {
        self.id
    }
}

#[tokio::test]
async fn typed_filters_and_orders() {
    let (sandbox, client) = start(40).await;
    let filter = Filter::<Accounts>::condition("id", Op::Lte, serde_json::json!(10))
        .and(Filter::condition("id", Op::Gt, serde_json::json!(3)));
    let order = Order::<Accounts>::by("id", Direction::Desc);
    let got: Vec<Account> = client
        .list::<Account>()
        .filter(filter.clone())
        .order_by(order)
        .items()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(
        got.iter().map(|a| a.id.get()).collect::<Vec<_>>(),
        (4..=10).rev().collect::<Vec<_>>()
    );
    assert_eq!(
        client
            .list::<Account>()
            .filter(filter)
            .count()
            .await
            .expect("count"),
        7
    );
    // Empty filter and order mean everything, in the default stable order.
    let all: Vec<Account> = client
        .list::<Account>()
        .filter(Filter::all())
        .order_by(Order::none())
        .items()
        .try_collect()
        .await
        .expect("all");
    assert_eq!(
        all.iter().map(|a| a.id.get()).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn typed_lookups_read_and_append() {
    let (sandbox, client) = start(1).await;
    let values = client.lookup::<AccountTypeField>().await.expect("lookup");
    assert_eq!(values[0], AccountType::Customer);
    assert!(values.contains(&AccountType::Other("Prospect".into())));
    let appended = client
        .append_lookup_values::<AccountTypeField>(&[AccountType::Other("Wholesaler".into())])
        .await
        .expect("append");
    assert!(appended.items.iter().any(|i| i.value == "Wholesaler"));
    let values = client.lookup::<AccountTypeField>().await.expect("lookup");
    assert!(values.contains(&AccountType::Other("Wholesaler".into())));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn opportunities_with_typed_lines() {
    let (sandbox, client) = start(10).await;
    let opps: Vec<Opportunity> = client
        .list::<Opportunity>()
        .with_lines()
        .items()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(opps.len(), 10);
    assert!(opps.iter().all(|o| o.lines.is_some()));
    let with_lines = opps
        .iter()
        .find(|o| o.lines.as_ref().is_some_and(|l| !l.is_empty()))
        .expect("some lines");
    for line in with_lines.lines.as_ref().expect("lines") {
        assert_eq!(line.opportunityid, Some(with_lines.id));
    }
    let one: Opportunity = client.get_with_lines_as(with_lines.id).await.expect("get");
    assert_eq!(
        one.lines
            .as_ref()
            .map(|l| l.iter().map(|x| x.id).collect::<Vec<_>>()),
        with_lines
            .lines
            .as_ref()
            .map(|l| l.iter().map(|x| x.id).collect::<Vec<_>>())
    );
    let plain: Opportunity = client.get_as(with_lines.id).await.expect("get");
    assert!(plain.lines.is_none());
    sandbox.shutdown().await;
}
