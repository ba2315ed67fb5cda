param acrSku string = 'Standard'

module registry './registry.bicep' = {
  name: 'registry'
  params: {
    registryName: 'contosoacr'
    sku: acrSku
  }
}
