//! Black-box tests: each spawns the real server on a free port with a fresh database.
mod helpers;
mod mail;

mod admin;
mod after_birth;
mod architecture;
mod auth;
mod brands;
mod companion;
mod config;
mod connections;
mod docs;
mod fishmouth;
mod fuzz;
mod health;
mod help;
mod kiswahili;
mod mum;
mod mum_sms;
mod pages;
mod performance;
mod privacy;
mod sequences;
mod tls;
mod tracking;
mod visits;
mod weekly;
