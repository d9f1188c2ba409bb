"""Sources build what the audit looks at: the static source from templates + configuration, the live
source (later) from the accounts."""
