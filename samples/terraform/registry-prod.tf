# The production registry, hardened as the Azure guidance recommends: Premium, no admin
# user, no public access, reached through a private endpoint whose DNS zone group
# registers it in privatelink.azurecr.io, which is linked to the hub network.
resource "azurerm_container_registry" "prod" {
  name                          = "${var.prefix}prodacr"
  resource_group_name           = azurerm_resource_group.platform.name
  location                      = azurerm_resource_group.platform.location
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = false
  anonymous_pull_enabled        = false
  export_policy_enabled         = false
  quarantine_policy_enabled     = true
  zone_redundancy_enabled       = true
  retention_policy_in_days      = 7
  trust_policy_enabled          = true
}

resource "azurerm_private_endpoint" "prod_acr" {
  name                = "pe-${var.prefix}prodacr"
  resource_group_name = azurerm_resource_group.platform.name
  location            = azurerm_resource_group.platform.location
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.prod.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "acr"
    private_dns_zone_ids = [azurerm_private_dns_zone.acr.id]
  }
}

resource "azurerm_monitor_diagnostic_setting" "prod_acr" {
  name                       = "to-law"
  target_resource_id         = azurerm_container_registry.prod.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}
