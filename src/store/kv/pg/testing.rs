//! A database of its own on the test server for each test: `scripts/test` starts PostgreSQL
//! and says where (`PLAUDIT_TEST_POSTGRES_URL`, an account that may create databases).

use super::target::Target;
use super::wire::Conn;

/// The test server's URL; without it the test fails saying how to get one.
pub fn server_url() -> String {
    std::env::var("PLAUDIT_TEST_POSTGRES_URL").expect(
        "PLAUDIT_TEST_POSTGRES_URL is not set: run scripts/test, which starts a PostgreSQL server for the tests",
    )
}

/// A new, empty database on the test server; its target.
pub fn fresh_database() -> Target {
    let admin = Target::parse(&server_url()).unwrap();
    let name = format!("plaudit_test_{}", hex::encode(rand::random::<[u8; 6]>()));
    let mut conn = Conn::connect(&admin).unwrap();
    conn.simple(&format!("CREATE DATABASE {name}")).unwrap();
    Target {
        dbname: name,
        ..admin
    }
}
