-- One row per contact (a person, usually at an account): the current, valid, not deleted version.
with

kept_contacts as (
    select * from {{ ref('base_crm__contacts') }}
    where _disposition = 'kept'
),

final as (
    select
        contact_id,
        account_id,
        first_name,
        last_name,
        email,
        phone,
        job_title,
        is_account_missing,
        is_account_unresolved,
        created_at,
        updated_at
        {{ crm_extra_columns_after('contacts') }}  -- noqa: LT02
    from kept_contacts
)

select * from final
