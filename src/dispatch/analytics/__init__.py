"""What the recorded days say: KPIs, demand forecasts and reorder points, fraud screening,
customers and routes. Forecasting and its backtest are pure functions over daily counts."""
