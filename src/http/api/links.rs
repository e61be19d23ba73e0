//! The document's operation ids and links: from each create (a POST answering an object with
//! an `id`) and each list (a GET answering `items` with ids) to the operations on one of its
//! objects, so that a client or a stateful tester can follow an answer to the next call.

use super::Route;
use serde_json::{Map, Value, json};

/// `get_workspaces_ws_campaigns_id`: the method and the path's words, unique per operation.
pub fn operation_id(route: &Route) -> String {
    let words = route
        .path
        .split(['/', '-', '.'])
        .map(|w| w.trim_matches(|c| c == '{' || c == '}'))
        .filter(|w| !w.is_empty());
    std::iter::once(route.method.as_str().to_ascii_lowercase())
        .chain(words.map(str::to_owned))
        .collect::<Vec<_>>()
        .join("_")
}

/// Where an answer of `route` carries the id of one object of its collection, as a runtime
/// expression: `#/id` for a create, `#/items/0/id` for a list.
fn id_in_answer(route: &Route) -> Option<&'static str> {
    let schema = (route.returns?)();
    let has_id = |s: &Value| s["properties"]["id"].is_object();
    match route.method.as_str() {
        "POST" if has_id(&schema) => Some("$response.body#/id"),
        "GET" if has_id(&schema["properties"]["items"]["items"]) => {
            Some("$response.body#/items/0/id")
        }
        _ => None,
    }
}

/// The links of `source`'s success answer: to every operation whose path is the source's, one
/// parameter more, and then words only (`/campaigns` → `/campaigns/{id}`,
/// `/campaigns/{id}/pause`), with the source's own path parameters passed along.
pub fn links(source: &Route, all: &[Route]) -> Option<Value> {
    let expression = id_in_answer(source)?;
    let mut out = Map::new();
    for target in all {
        let Some(rest) = target
            .path
            .strip_prefix(source.path)
            .and_then(|r| r.strip_prefix("/{"))
        else {
            continue;
        };
        let Some((name, after)) = rest.split_once('}') else {
            continue;
        };
        if after.contains('{') {
            continue;
        }
        let mut parameters = Map::new();
        for outer in path_parameters(source.path) {
            parameters.insert(
                format!("path.{outer}"),
                json!(format!("$request.path.{outer}")),
            );
        }
        parameters.insert(format!("path.{name}"), json!(expression));
        let id = operation_id(target);
        out.insert(
            id.clone(),
            json!({"operationId": id, "parameters": parameters}),
        );
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use super::super::routes;
    use super::*;

    #[test]
    fn every_operation_has_its_own_id() {
        let all = routes();
        let ids: std::collections::BTreeSet<String> = all.iter().map(operation_id).collect();
        assert_eq!(ids.len(), all.len());
        let pause = all
            .iter()
            .find(|r| r.path == "/workspaces/{ws}/campaigns/{id}/pause")
            .unwrap();
        assert_eq!(operation_id(pause), "post_workspaces_ws_campaigns_id_pause");
    }

    #[test]
    fn creates_and_lists_link_to_the_operations_on_one_of_their_objects() {
        let all = routes();
        let find = |method: &str, path: &str| {
            all.iter()
                .find(|r| r.method.as_str() == method && r.path == path)
                .unwrap()
        };
        let created = links(find("POST", "/workspaces/{ws}/campaigns"), &all).unwrap();
        let pause = &created["post_workspaces_ws_campaigns_id_pause"];
        assert_eq!(
            pause["operationId"],
            "post_workspaces_ws_campaigns_id_pause"
        );
        assert_eq!(pause["parameters"]["path.id"], "$response.body#/id");
        assert_eq!(pause["parameters"]["path.ws"], "$request.path.ws");
        assert!(created["delete_workspaces_ws_campaigns_id"].is_object());
        let listed = links(find("GET", "/workspaces/{ws}/feedback"), &all).unwrap();
        assert_eq!(
            listed["delete_workspaces_ws_feedback_id"]["parameters"]["path.id"],
            "$response.body#/items/0/id"
        );
        // Only one level down: a workspace's create does not link to its campaigns' objects.
        let workspace = links(find("POST", "/workspaces"), &all).unwrap();
        assert!(workspace.get("get_workspaces_ws").is_some());
        assert!(
            workspace
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.contains("campaigns_id"))
        );
        // Every link names an operation of the document.
        let ids: Vec<String> = all.iter().map(operation_id).collect();
        for route in &all {
            if let Some(Value::Object(l)) = links(route, &all) {
                assert!(l.keys().all(|k| ids.contains(k)), "{}", route.path);
            }
        }
    }
}
