"""The resource kinds the workshop creates, one module per service (or small group of services).

Each module registers its listers and its kinds with `helpers.resources.registry`
(`@lister`, `@deleter`, `kind`); `registry.load()` imports every module here, in name
order, which is also the order the listers run in (and so the order of the inventory's
gaps). A new service is a new module: nothing else needs to know it.
"""
