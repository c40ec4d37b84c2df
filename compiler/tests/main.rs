//! Integration tests of the compiler through its library API.

mod check;
mod chinese;
mod params;
mod reform;
