pub mod arm;
pub mod terraform;
