pub mod bicep;
pub mod terraform;
