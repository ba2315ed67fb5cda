// A team registry with the settings a quick start leaves behind.
@description('Registry name (globally unique, alphanumeric).')
@minLength(5)
@maxLength(50)
param registryName string

param location string = resourceGroup().location

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Standard'

param adminUserEnabled bool = true

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: adminUserEnabled
    publicNetworkAccess: 'Enabled'
    anonymousPullEnabled: sku == 'Basic' ? false : true
  }
}

output loginServer string = registry.properties.loginServer
output id string = registry.id
