"""CloudFormation in the sandbox: the resource types moto 5.2.5 skips (``types/``), named patches of
moto's own types (``native_patches``), its change sets corrected (``stacks``), all installed by
``registry.install()``."""
