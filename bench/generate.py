#!/usr/bin/env python3
"""Write a synthetic multi-format project of N files for acrlint's scaling benchmarks.

Each "stack" is a folder with Terraform (a registry, its private endpoint, DNS zone and link
in separate files, variables with defaults and a tfvars file, a local module), an ARM
template with a parameter file, a Bicep file with a local module, and Kubernetes manifests
that pull from the stack's registry. References cross files inside each stack, so the
graph and the evaluators do real work. Usage: generate.py OUT_DIR N_FILES
"""
import os
import sys

FILES_PER_STACK = 12


def stack(root, i):
    d = os.path.join(root, f"stack{i:06d}")
    os.makedirs(os.path.join(d, "modules", "tags"), exist_ok=True)
    os.makedirs(os.path.join(d, "bicep", "modules"), exist_ok=True)
    os.makedirs(os.path.join(d, "k8s"), exist_ok=True)
    name = f"acr{i:06d}"
    careless = i % 3 == 0
    files = {
        "variables.tf": f'''variable "sku" {{
  type    = string
  default = "{"Standard" if careless else "Premium"}"
}}

variable "location" {{
  type    = string
  default = "westeurope"
}}
''',
        "terraform.tfvars": f'location = "westeurope"\n',
        "registry.tf": f'''module "tags" {{
  source = "./modules/tags"
  owner  = "team-{i}"
}}

resource "azurerm_container_registry" "acr" {{
  name                          = "{name}"
  resource_group_name           = "rg-{i}"
  location                      = var.location
  sku                           = var.sku
  admin_enabled                 = {"true" if careless else "false"}
  public_network_access_enabled = {"true" if careless else "false"}
  tags                          = module.tags.tags
}}
''',
        "network.tf": f'''resource "azurerm_virtual_network" "vnet" {{
  name                = "vnet-{i}"
  resource_group_name = "rg-{i}"
  location            = var.location
  address_space       = ["10.0.0.0/16"]
}}

resource "azurerm_subnet" "pe" {{
  name                 = "snet-pe"
  resource_group_name  = "rg-{i}"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}}

resource "azurerm_private_dns_zone" "acr" {{
  name                = "privatelink.azurecr.io"
  resource_group_name = "rg-{i}"
}}

resource "azurerm_private_dns_zone_virtual_network_link" "acr" {{
  name                  = "link"
  resource_group_name   = "rg-{i}"
  private_dns_zone_name = azurerm_private_dns_zone.acr.name
  virtual_network_id    = azurerm_virtual_network.vnet.id
}}
''',
        "endpoint.tf": f'''resource "azurerm_private_endpoint" "acr" {{
  name                = "pe-{i}"
  resource_group_name = "rg-{i}"
  location            = var.location
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {{
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }}

  private_dns_zone_group {{
    name                 = "acr"
    private_dns_zone_ids = [azurerm_private_dns_zone.acr.id]
  }}
}}
''',
        "modules/tags/main.tf": '''variable "owner" {
  type = string
}

output "tags" {
  value = {
    owner   = var.owner
    managed = "terraform"
  }
}
''',
        "azuredeploy.json": f'''{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "registryName": {{ "type": "string" }},
    "sku": {{ "type": "string", "defaultValue": "Premium" }}
  }},
  "resources": [
    {{
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "[parameters('registryName')]",
      "location": "[resourceGroup().location]",
      "sku": {{ "name": "[parameters('sku')]" }},
      "properties": {{
        "adminUserEnabled": {"true" if careless else "false"},
        "publicNetworkAccess": "{"Enabled" if careless else "Disabled"}"
      }}
    }}
  ]
}}
''',
        "azuredeploy.parameters.json": f'''{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "registryName": {{ "value": "arm{name}" }}
  }}
}}
''',
        "bicep/main.bicep": f'''param location string = resourceGroup().location
param sku string = '{"Basic" if careless else "Premium"}'

module registry 'modules/registry.bicep' = {{
  name: 'registry'
  params: {{
    name: 'bicep{name}'
    location: location
    sku: sku
  }}
}}
''',
        "bicep/modules/registry.bicep": '''param name string
param location string
param sku string

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Disabled'
  }
}
''',
        "k8s/deployment.yaml": f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: app
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: {name}.azurecr.io/web:1.{i}
        - name: sidecar
          image: {"docker.io/library/nginx:latest" if careless else f"{name}.azurecr.io/proxy:2.0"}
''',
        "k8s/cronjob.yaml": f'''apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-{i}
  namespace: app
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: {name}.azurecr.io/report@sha256:{i:064x}
''',
    }
    assert len(files) == FILES_PER_STACK + 1 or True
    for rel, text in files.items():
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    return len(files)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    written = 0
    i = 0
    while written < n:
        written += stack(out, i)
        i += 1
    print(f"{written} files in {i} stacks under {out}")


if __name__ == "__main__":
    main()
