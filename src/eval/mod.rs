pub mod arm;
pub mod azure_functions;
pub mod bicep;
pub mod bind;
pub mod budget;
pub mod cache;
pub mod functions;
pub mod terraform;
