# The development registry, set up in a hurry: its SKU comes from a variable default,
# the admin user is switched on in terraform.tfvars, and public access is left at the
# provider default.
resource "azurerm_container_registry" "dev" {
  name                = "${var.prefix}devacr"
  resource_group_name = azurerm_resource_group.platform.name
  location            = azurerm_resource_group.platform.location
  sku                 = var.dev_registry_sku
  admin_enabled       = var.dev_admin_enabled
}
