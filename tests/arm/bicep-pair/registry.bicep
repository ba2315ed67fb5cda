param registryName string
param sku string = 'Premium'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: resourceGroup().location
  sku: { name: sku }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Disabled'
    anonymousPullEnabled: false
    zoneRedundancy: 'Enabled'
    policies: {
      exportPolicy: { status: 'disabled' }
      quarantinePolicy: { status: 'enabled' }
      trustPolicy: { type: 'Notary', status: 'enabled' }
      retentionPolicy: { days: 7, status: 'enabled' }
    }
  }
}
