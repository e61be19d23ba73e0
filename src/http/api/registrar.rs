//! How routes are declared: each with its method, path, handler, and what the OpenAPI
//! document says of it (tag, summary, body, answer); mounted together with 405 answers for
//! methods a known path does not serve.

use super::{PageQuery, define, download, views};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};

/// A JSON Schema derived from a Rust type, made when the document is built.
pub type SchemaOf = fn() -> serde_json::Value;

/// The schema of `T` with every subschema inline (the document has no shared definitions).
pub fn schema_of<T: schemars::JsonSchema>() -> serde_json::Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    schema
}

/// One documented route.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub public: bool,
    /// The request body's type, as a schema.
    pub body: Option<SchemaOf>,
    /// The request body is a CSV file (`text/csv`), not JSON.
    pub csv_body: bool,
    /// The answer is a CSV file (`text/csv`), not JSON.
    pub csv_answer: bool,
    /// The answer is a PDF file.
    pub pdf_answer: bool,
    /// A download: JSON, or a ZIP with `?format=zip`.
    pub download: bool,
    /// The query string's type (an object whose properties are the parameters).
    pub query: Option<SchemaOf>,
    /// The success answer's type.
    pub returns: Option<SchemaOf>,
    pub status: u16,
}

impl Route {
    pub fn doc(&mut self, tag: &'static str, summary: &'static str) -> &mut Self {
        self.tag = tag;
        self.summary = summary;
        self
    }
    pub fn public(&mut self) -> &mut Self {
        self.public = true;
        self
    }
    /// The JSON body is a `T` (the handler deserialises the same type).
    pub fn body<T: schemars::JsonSchema>(&mut self) -> &mut Self {
        self.body = Some(schema_of::<T>);
        self
    }
    /// The body is a CSV file.
    pub fn csv_body(&mut self) -> &mut Self {
        self.csv_body = true;
        self
    }
    /// The answer is a CSV file.
    pub fn csv_answer(&mut self) -> &mut Self {
        self.csv_answer = true;
        self
    }
    /// The answer is a PDF file.
    pub fn pdf_answer(&mut self) -> &mut Self {
        self.pdf_answer = true;
        self
    }
    /// A download: JSON by default, a ZIP of it with a CSV per table with `?format=zip`.
    pub fn download(&mut self) -> &mut Self {
        self.download = true;
        self.query::<download::FormatQuery>()
    }
    /// The query string is a `T`.
    pub fn query<T: schemars::JsonSchema>(&mut self) -> &mut Self {
        self.query = Some(schema_of::<T>);
        self
    }
    /// A list answer: `{"items": [T...], "next_cursor": ...}`, paged by `PageQuery`.
    pub fn paged<T: schemars::JsonSchema>(&mut self) -> &mut Self {
        self.returns::<views::List<T>>();
        self.query::<PageQuery>()
    }
    /// The success answer is a `T`.
    pub fn returns<T: schemars::JsonSchema>(&mut self) -> &mut Self {
        self.returns = Some(schema_of::<T>);
        self
    }
    pub fn status(&mut self, code: u16) -> &mut Self {
        self.status = code;
        self
    }
}

/// Registers handlers (when given a config) and records every route for the OpenAPI document,
/// so what is served and what is documented cannot drift apart.
pub struct Registrar<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    routes: Vec<Route>,
}

impl Registrar<'_> {
    pub fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F) -> &mut Route
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, web::method(method.clone()).to(handler));
        }
        let index = self.routes.len();
        self.routes.push(Route {
            method,
            path,
            summary: "",
            tag: "",
            public: false,
            body: None,
            csv_body: false,
            csv_answer: false,
            pdf_answer: false,
            download: false,
            query: None,
            returns: None,
            status: 200,
        });
        &mut self.routes[index]
    }
}

/// Mounts the API (paths are relative to /api/v1).
pub fn configure(cfg: &mut web::ServiceConfig) {
    // A known path with a method it does not serve: 405 with `Allow`. A path ending in a word
    // (`/contacts/import`) has its answer mounted before the routes, or its sibling with an id
    // (`/contacts/{id}`) would take the request and answer 404 for an id that is not one; the
    // guard lets its own methods through. The others are mounted after every declared route, so
    // they only catch what those leave.
    let mut allowed: std::collections::BTreeMap<&'static str, Vec<Method>> = Default::default();
    for route in routes() {
        allowed.entry(route.path).or_default().push(route.method);
    }
    let ends_in_word = |path: &str| !path.ends_with('}');
    for (path, methods) in allowed.iter().filter(|(p, _)| ends_in_word(p)) {
        let own = methods.clone();
        let refuse =
            method_not_allowed_route(methods).guard(actix_web::guard::fn_guard(move |g| {
                !own.contains(&g.head().method)
            }));
        cfg.route(path, refuse);
    }
    let mut r = Registrar {
        cfg: Some(cfg),
        routes: Vec::new(),
    };
    define(&mut r);
    if let Some(cfg) = r.cfg {
        for (path, methods) in allowed.iter().filter(|(p, _)| !ends_in_word(p)) {
            cfg.route(path, method_not_allowed_route(methods));
        }
    }
}

fn method_not_allowed_route(methods: &[Method]) -> actix_web::Route {
    let allow = methods
        .iter()
        .map(Method::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    web::route().to(move || {
        let allow = allow.clone();
        async move { method_not_allowed(allow) }
    })
}

fn method_not_allowed(allow: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow.clone()))
        .json(serde_json::json!({"error": {
            "code": "method_not_allowed",
            "message": format!("this path answers only {allow}"),
        }}))
}

/// Every route the API serves, as registered.
pub fn routes() -> Vec<Route> {
    let mut r = Registrar {
        cfg: None,
        routes: Vec::new(),
    };
    define(&mut r);
    r.routes
}
