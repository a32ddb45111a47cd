// `leadscore` is an integer: a projection cannot read it as a boolean.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "dictionaries")]
struct Score {
    id: crm_runtime::Id<Score>,
    leadscore: Option<bool>,
}

fn main() {}
