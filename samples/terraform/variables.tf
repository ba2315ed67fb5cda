variable "prefix" {
  type        = string
  description = "Short name used in every resource name."
  default     = "contoso"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "dev_registry_sku" {
  type        = string
  description = "SKU of the development registry."
  default     = "Basic"
}

variable "dev_admin_enabled" {
  type    = bool
  default = false
}

variable "log_analytics_workspace_id" {
  type        = string
  description = "Workspace that receives registry and cluster logs."
}
