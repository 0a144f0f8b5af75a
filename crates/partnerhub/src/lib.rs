//! The partnerhub binary's library half: configuration and start-up, shared by `main` and by
//! the integration tests so that tests run exactly the server that ships.

pub mod config;
pub mod startup;
