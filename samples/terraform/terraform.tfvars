# Values for the shared platform subscription.
prefix            = "contoso"
dev_admin_enabled = true
