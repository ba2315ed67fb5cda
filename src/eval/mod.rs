pub mod arm;
pub mod bicep;
pub mod functions;
pub mod terraform;
