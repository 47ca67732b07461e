"""Air quality: stations, readings intake, ISPU and US AQI, history, nearest, alerts."""
