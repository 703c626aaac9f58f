{#- Customer value formulas shared by int_customer_value_monthly (company-wide, per month) and
    kpi_customer_lifetime_value (per acquisition cohort and segment), so "predicted CLV" has one formula. -#}

{#- Predicted customer lifetime value: monthly gross profit per account divided by the monthly churn rate
    (the expected lifetime in months is 1 / churn). NULL when the churn rate is 0 or NULL (the lifetime
    cannot be estimated) or when any input is NULL. -#}
{% macro predicted_clv(arpa_monthly, gross_margin_rate, monthly_churn_rate) -%}
    {{ safe_divide('(' ~ arpa_monthly ~ ') * (' ~ gross_margin_rate ~ ')', '(' ~ monthly_churn_rate ~ ')') }}
{%- endmacro %}
