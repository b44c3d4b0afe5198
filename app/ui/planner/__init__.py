"""The capacity planner's dialog (Run > Plan capacity…) and its planning process."""
