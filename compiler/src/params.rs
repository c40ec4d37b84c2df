//! Parameters: province values and local parameter files, layered and checked.
