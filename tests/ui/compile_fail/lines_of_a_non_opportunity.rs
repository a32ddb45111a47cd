// Only opportunities embed lines.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn list(q: crm_runtime::Query<account::Account>) -> crm_runtime::Query<account::Account> {
    q.with_lines()
}

fn main() {
    let _ = (list, one);
}

async fn one(client: crm_runtime::Client, id: crm_runtime::Id<account::Account>) {
    let _ = client.get_with_lines(id).await;
}
