# The staging registry: Premium and private, but its endpoint was added without a DNS
# zone group, so `contosostagingacr.azurecr.io` still resolves to the public address and
# pulls from the cluster fail. The chain is broken at one link.
resource "azurerm_container_registry" "staging" {
  name                          = "${var.prefix}stagingacr"
  resource_group_name           = azurerm_resource_group.platform.name
  location                      = azurerm_resource_group.platform.location
  sku                           = "Premium"
  public_network_access_enabled = false
  export_policy_enabled         = false
  quarantine_policy_enabled     = true
  zone_redundancy_enabled       = true
  retention_policy_in_days      = 7
}

resource "azurerm_private_endpoint" "staging_acr" {
  name                = "pe-${var.prefix}stagingacr"
  resource_group_name = azurerm_resource_group.platform.name
  location            = azurerm_resource_group.platform.location
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.staging.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_monitor_diagnostic_setting" "staging_acr" {
  name                       = "to-law"
  target_resource_id         = azurerm_container_registry.staging.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}
