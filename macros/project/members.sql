{#- Explicit dimension members for references that resolve to nothing, so facts never drop a row on a NULL
    join (docs/marts.md, "Unknown and unassigned members"). The ids are literals no CRM generates. -#}

{#- The account of a deal or order that names none: dim_accounts holds it as a member that is never a
    customer. (An account id that is named but not kept becomes an inferred member under its own id.) -#}
{% macro unknown_account_id() -%}
    '(unknown)'
{%- endmacro %}

{#- The rep credited when no rep in the fallback chain resolves: dim_reps holds it as a member that is
    never employed; the per-rep views show it as a row of its own, so rep sums equal company totals. -#}
{% macro unassigned_rep_id() -%}
    '(unassigned)'
{%- endmacro %}
