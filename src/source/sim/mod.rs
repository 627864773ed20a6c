//! The built-in simulated contact center.
