"""The environment configuration: the one place where accounts, regions, schedules, retention and the
inventory of protected data live."""
from audit.config.loader import ConfigError, LoadedConfig, default_config_dir, list_environments
from audit.config.validate import load_config, problems

__all__ = ["ConfigError", "LoadedConfig", "default_config_dir", "list_environments", "load_config", "problems"]
