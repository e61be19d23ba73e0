//! The HTTP server: middleware order (written once, here), routes, plain or TLS listener.

use super::{AppState, configure, tls};
use crate::config::{Config, TlsMode};
use crate::edge::{self, Edge};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use std::net::TcpListener;

/// Builds the server on an already bound listener; the caller runs it and owns its handle.
pub fn build(
    config: &Config,
    state: AppState,
    edge: web::Data<Edge>,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let max_body = config.server.max_body_kb * 1024;
    // Raw bodies (the CSV uploads) may reach the upload size; the edge holds every other route
    // to max_body_kb before a handler reads anything.
    let max_raw = max_body.max(config.server.max_upload_kb * 1024);
    let cors_origins = config.security.cors_origins.clone();
    let refusal = web::Data::new(super::errors::refusal_page(state.layout.clone()));
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(edge.clone())
            .app_data(refusal.clone())
            .wrap(middleware::Compress::default())
            // Wrapped last, so it runs first: the edge sees every request before routing.
            .wrap(middleware::from_fn(edge::guard))
            .configure(|cfg| configure(cfg, max_body, max_raw, &cors_origins))
    })
    .disable_signals()
    .shutdown_timeout(config.server.shutdown_timeout_secs);
    let server = match config.server.tls {
        TlsMode::Off => server.listen(listener),
        TlsMode::Static => server.listen_rustls_0_23(listener, tls::server_config(config)?),
    }
    .context("starting the HTTP server")?
    .run();
    Ok(server)
}
