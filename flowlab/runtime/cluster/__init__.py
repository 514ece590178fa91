"""The simulated cluster: the JobMaster (with the Dispatcher's part), the ResourceManager, TaskManagers."""
