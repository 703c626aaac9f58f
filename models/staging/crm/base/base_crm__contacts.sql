-- Every raw contacts row, typed and classified (kept / superseded / soft_deleted / quarantined). A contact
-- without an account, or whose account is not kept, is still a person: kept and flagged.
{{ config(**crm_incremental_config('contact_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'contacts',
        lower=['email'],
        collapse=['first_name', 'last_name', 'job_title'],
        incremental=true,
        depends_on=[{'table': 'accounts', 'column': 'account_id', 'found': '_account_found'}],
    ) }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

enriched as (
    select
        typed_rows.*,
        accounts.account_id is not null as _account_found
    from typed_rows
    left join accounts on typed_rows.account_id = accounts.account_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            crm_future_rule(['created_at']),
        ]) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('contacts') }}
    from dispositioned
)

select * from final
