// A platform registry done right, and a team registry done carelessly through a module.
targetScope = 'resourceGroup'

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Environment name, used in resource names.')
@allowed([
  'dev'
  'prod'
])
param environment string = 'prod'

@description('Name of the hardened platform registry.')
param platformRegistryName string = 'contoso${environment}acr'

@description('SKU of the team registry.')
param teamRegistrySku string = 'Basic'

param teamAdminUser bool = false

@description('Log Analytics workspace that receives the registry audit logs.')
param logAnalyticsWorkspaceId string

var vnetName = 'vnet-platform-${environment}'
var privateDnsZoneName = 'privatelink.azurecr.io'
var tags = {
  environment: environment
  owner: 'platform'
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.10.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'snet-endpoints'
        properties: {
          addressPrefix: '10.10.1.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource endpointSubnet 'subnets' existing = {
    name: 'snet-endpoints'
  }
}

resource platformAcr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: platformRegistryName
  location: location
  tags: tags
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Disabled'
    anonymousPullEnabled: false
    zoneRedundancy: 'Enabled'
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
    policies: {
      exportPolicy: {
        status: 'disabled'
      }
      quarantinePolicy: {
        status: 'enabled'
      }
      trustPolicy: {
        type: 'Notary'
        status: 'enabled'
      }
      retentionPolicy: {
        days: 7
        status: 'enabled'
      }
    }
  }
}

resource privateDnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: privateDnsZoneName
  location: 'global'
  tags: tags
}

resource vnetLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: privateDnsZone
  name: '${vnetName}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: 'pe-${platformRegistryName}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: vnet::endpointSubnet.id
    }
    privateLinkServiceConnections: [
      {
        name: 'registry'
        properties: {
          privateLinkServiceId: platformAcr.id
          groupIds: [
            'registry'
          ]
        }
      }
    ]
  }

  resource dnsZoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: 'privatelink-azurecr-io'
          properties: {
            privateDnsZoneId: privateDnsZone.id
          }
        }
      ]
    }
  }
}

resource platformAcrDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: platformAcr
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

module teamRegistry './modules/registry.bicep' = {
  name: 'team-registry'
  params: {
    registryName: 'contoso${environment}teamacr'
    location: location
    sku: teamRegistrySku
    adminUserEnabled: teamAdminUser
  }
}

output platformLoginServer string = platformAcr.properties.loginServer
output teamLoginServer string = teamRegistry.outputs.loginServer
