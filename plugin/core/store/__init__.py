"""Store (风险数据库): the only code that reads or writes the risk database."""
