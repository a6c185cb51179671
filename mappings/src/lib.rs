//! The compiler: lowers a decoder graph onto a hardware configuration as a Program, under a
//! mapping strategy chosen by name.
