pub mod arm;
pub mod bicep;
pub mod terraform;
