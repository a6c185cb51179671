//! Model cards, Hugging Face `config.json` import, the decoder graph and analytic counts.
//! Knows nothing about hardware.
