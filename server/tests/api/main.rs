//! Black-box tests: each spawns the real server on a free port with a fresh database.
mod helpers;

mod config;
mod health;
mod pages;
