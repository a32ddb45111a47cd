//! The standard objects of API v4, in one table: API name, Rust type name, the singular stems
//! that `<stem>id` field names use, the plan add-on that unlocks the object, the public
//! catalogue's standard fields, and the one relation between objects the API embeds
//! (opportunity lines). Naming, the raw adapters, the generator, the sandbox and the refresh
//! command read it; nothing else lists these objects.

/// One standard object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardObject {
    /// API name, as in URLs (`opportunity_lines`).
    pub api_name: &'static str,
    /// Default Rust type name (`OpportunityLine`).
    pub type_name: &'static str,
    /// Singular stems as field names spell them before `id` (`opportunityline`, `opportunity_line`).
    pub stems: &'static [&'static str],
    /// The add-on a Professional or Enterprise plan needs for it, per the API documentation.
    pub add_on: Option<&'static str>,
    /// Standard (not custom) field names from the public field catalogue, besides the
    /// server-managed ones ([`crate::raw::SERVER_MANAGED_FIELDS`]).
    pub fields: &'static [&'static str],
}

/// The relation `lines=true` embeds: an opportunity's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lines {
    /// The object whose records embed lines (`opportunities`).
    pub parent: &'static str,
    /// The line object (`opportunity_lines`).
    pub line: &'static str,
    /// The line's field holding the parent's id (`opportunityid`).
    pub parent_field: &'static str,
}

/// The only embedded relation of API v4.
pub const LINES: Lines = Lines {
    parent: "opportunities",
    line: "opportunity_lines",
    parent_field: "opportunityid",
};

const MARKETING: Option<&str> = Some("the Marketing tool");
const SUPPORT: Option<&str> = Some("the Service & Support tool");

/// The eleven standard objects, in the documentation's order.
pub const STANDARD: &[StandardObject] = &[
    StandardObject {
        api_name: "accounts",
        type_name: "Account",
        stems: &["account"],
        add_on: None,
        fields: &[
            "name",
            "type",
            "addressline",
            "addresscity",
            "addresscounty/state",
            "addresscountry",
            "addresspostcode/zip",
            "phone",
            "website",
            "sector",
            "source",
            "notes",
            "ownerid",
            "slaid",
            "leadscore",
        ],
    },
    StandardObject {
        api_name: "activities",
        type_name: "Activity",
        stems: &["activity"],
        add_on: None,
        fields: &[
            "accountid",
            "contactid",
            "caseid",
            "description",
            "date",
            "type",
            "priority",
            "status",
            "allday",
            "emailsubject",
            "emailfrom",
            "emailto",
            "emailcc",
            "ownerid",
        ],
    },
    StandardObject {
        api_name: "contacts",
        type_name: "Contact",
        stems: &["contact"],
        add_on: None,
        fields: &[
            "accountid",
            "salutation",
            "first",
            "middle",
            "last",
            "jobtitle",
            "department",
            "email",
            "phone",
            "mobile",
            "direct",
            "decisionmaker",
            "leftcompany",
            "hold",
            "leadscore",
            "addressline",
            "addresscity",
            "addresscounty/state",
            "addresscountry",
            "addresspostcode/zip",
            "ownerid",
        ],
    },
    StandardObject {
        api_name: "campaigns",
        type_name: "Campaign",
        stems: &["campaign"],
        add_on: MARKETING,
        fields: &[
            "name",
            "type",
            "status",
            "active",
            "dripfeed",
            "members",
            "opportunities",
            "sales",
            "ownerid",
        ],
    },
    StandardObject {
        api_name: "campaigndetails",
        type_name: "CampaignDetail",
        stems: &["campaigndetail"],
        add_on: MARKETING,
        fields: &[
            "campaignid",
            "campaignstageid",
            "contactid",
            "activitystatus",
        ],
    },
    StandardObject {
        api_name: "campaignstages",
        type_name: "CampaignStage",
        stems: &["campaignstage"],
        add_on: MARKETING,
        fields: &[
            "campaignid",
            "name",
            "order",
            "status",
            "defaultactivitystatus",
            "email",
            "notes",
        ],
    },
    StandardObject {
        api_name: "cases",
        type_name: "Case",
        stems: &["case"],
        add_on: SUPPORT,
        fields: &[
            "accountid",
            "contactid",
            "subject",
            "status",
            "type",
            "opened",
            "closed",
            "caselevelid",
            "priority",
            "ownerid",
            "description",
        ],
    },
    StandardObject {
        api_name: "documents",
        type_name: "Document",
        stems: &["document"],
        add_on: None,
        fields: &["parentobject", "parentid", "filename", "description"],
    },
    StandardObject {
        api_name: "opportunities",
        type_name: "Opportunity",
        stems: &["opportunity"],
        add_on: None,
        fields: &[
            "accountid",
            "contactid",
            "name",
            "status",
            "probability",
            "forecast",
            "closedate",
            "nextstep",
            "source",
            "repeat",
            "value",
            "ownerid",
            "campaignid",
        ],
    },
    StandardObject {
        api_name: "opportunityhistories",
        type_name: "OpportunityHistory",
        stems: &["opportunityhistory"],
        add_on: None,
        fields: &[
            "opportunityid",
            "opportunitystatus",
            "probability",
            "forecast",
            "closedate",
            "value",
        ],
    },
    StandardObject {
        api_name: "opportunity_lines",
        type_name: "OpportunityLine",
        stems: &["opportunityline", "opportunity_line"],
        add_on: None,
        fields: &[
            "opportunityid",
            "product",
            "quantity",
            "unitprice",
            "description",
        ],
    },
];

/// The API names of [`STANDARD`], in its order.
pub const STANDARD_NAMES: &[&str] = &api_names();

const fn api_names() -> [&'static str; STANDARD.len()] {
    let mut out = [""; STANDARD.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = STANDARD[i].api_name;
        i += 1;
    }
    out
}

/// The standard object with this API name.
pub fn standard(api_name: &str) -> Option<&'static StandardObject> {
    STANDARD.iter().find(|o| o.api_name == api_name)
}

/// The standard object a name refers to: its API name (`accounts`) or a singular stem
/// (`account`), ignoring case and surrounding space.
pub fn standard_by_name(name: &str) -> Option<&'static StandardObject> {
    let name = name.trim().to_ascii_lowercase();
    STANDARD
        .iter()
        .find(|o| o.api_name == name || o.stems.contains(&name.as_str()))
}

/// The add-on that unlocks `api_name`, for objects a plan may not include.
pub fn add_on(api_name: &str) -> Option<&'static str> {
    standard(api_name).and_then(|o| o.add_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_relation_is_between_standard_objects() {
        let line = standard(LINES.line).map(|o| o.fields);
        assert!(standard(LINES.parent).is_some());
        assert!(line.is_some_and(|f| f.contains(&LINES.parent_field)));
    }

    #[test]
    fn stems_name_their_object() {
        assert_eq!(
            standard_by_name(" Account ").map(|o| o.api_name),
            Some("accounts")
        );
        assert_eq!(
            standard_by_name("opportunity_line").map(|o| o.api_name),
            Some("opportunity_lines")
        );
        assert_eq!(
            standard_by_name("opportunity_lines").map(|o| o.type_name),
            Some("OpportunityLine")
        );
        assert_eq!(standard_by_name("sla"), None);
        assert_eq!(add_on("cases"), Some("the Service & Support tool"));
        assert_eq!(add_on("accounts"), None);
    }
}
