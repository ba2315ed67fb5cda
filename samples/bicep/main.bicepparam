using './main.bicep'

param environment = 'prod'
param teamRegistrySku = 'Standard'
param teamAdminUser = true
