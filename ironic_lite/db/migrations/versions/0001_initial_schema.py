"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 13:50:25.619798
"""

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import mysql


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# JSON documents are stored as text; large ones need LONGTEXT on MySQL/MariaDB.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql")
# Timestamps keep microseconds on MySQL/MariaDB too.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=15), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('resource_class', sa.String(length=80), nullable=True),
    sa.Column('traits', sa.Text(), nullable=True),
    sa.Column('candidate_nodes', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('conductor_affinity', sa.Integer(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', name='uniq_allocations0name'),
    sa.UniqueConstraint('uuid', name='uniq_allocations0uuid')
    )
    op.create_index('allocations_node_id_idx', 'allocations', ['node_id'], unique=False)
    op.create_index('allocations_owner_idx', 'allocations', ['owner'], unique=False)
    op.create_index('allocations_resource_class_idx', 'allocations', ['resource_class'], unique=False)
    op.create_index('allocations_state_idx', 'allocations', ['state'], unique=False)

    op.create_table('chassis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid', name='uniq_chassis0uuid')
    )
    op.create_table('conductors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('drivers', sa.Text(), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('conductor_group', sa.String(length=255), server_default='', nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hostname', name='uniq_conductors0hostname')
    )
    op.create_index('conductors_online_idx', 'conductors', ['online'], unique=False)

    op.create_table('deploy_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', name='uniq_deploytemplates0name'),
    sa.UniqueConstraint('uuid', name='uniq_deploytemplates0uuid')
    )
    op.create_table('inspection_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('conditions', LONG_TEXT, nullable=True),
    sa.Column('actions', LONG_TEXT, nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid', name='uniq_inspection_rules0uuid')
    )
    op.create_index('inspection_rules_phase_idx', 'inspection_rules', ['phase'], unique=False)

    op.create_table('runbooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=True),
    sa.Column('disable_ramdisk', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', name='uniq_runbooks0name'),
    sa.UniqueConstraint('uuid', name='uniq_runbooks0uuid')
    )
    op.create_index('runbooks_owner_idx', 'runbooks', ['owner'], unique=False)

    op.create_table('conductor_hardware_interfaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conductor_id', sa.Integer(), nullable=False),
    sa.Column('hardware_type', sa.String(length=255), nullable=False),
    sa.Column('interface_type', sa.String(length=16), nullable=False),
    sa.Column('interface_name', sa.String(length=255), nullable=False),
    sa.Column('default', sa.Boolean(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['conductor_id'], ['conductors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conductor_id', 'hardware_type', 'interface_type', 'interface_name', name='uniq_conductorhardwareinterfaces0')
    )
    op.create_table('deploy_template_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deploy_template_id', sa.Integer(), nullable=False),
    sa.Column('interface', sa.String(length=255), nullable=False),
    sa.Column('step', sa.String(length=255), nullable=False),
    sa.Column('args', sa.Text(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['deploy_template_id'], ['deploy_templates.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('deploy_template_steps_template_idx', 'deploy_template_steps', ['deploy_template_id'], unique=False)

    op.create_table('nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('chassis_id', sa.Integer(), nullable=True),
    sa.Column('instance_uuid', sa.String(length=36), nullable=True),
    sa.Column('instance_name', sa.String(length=255), nullable=True),
    sa.Column('driver', sa.String(length=255), nullable=False),
    sa.Column('driver_info', sa.Text(), nullable=True),
    sa.Column('driver_internal_info', sa.Text(), nullable=True),
    sa.Column('instance_info', LONG_TEXT, nullable=True),
    sa.Column('properties', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('raid_config', sa.Text(), nullable=True),
    sa.Column('target_raid_config', sa.Text(), nullable=True),
    sa.Column('clean_step', sa.Text(), nullable=True),
    sa.Column('deploy_step', sa.Text(), nullable=True),
    sa.Column('service_step', sa.Text(), nullable=True),
    sa.Column('network_data', sa.Text(), nullable=True),
    sa.Column('power_state', sa.String(length=15), nullable=True),
    sa.Column('target_power_state', sa.String(length=15), nullable=True),
    sa.Column('provision_state', sa.String(length=15), nullable=True),
    sa.Column('target_provision_state', sa.String(length=15), nullable=True),
    sa.Column('provision_updated_at', TIMESTAMP, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('maintenance', sa.Boolean(), nullable=False),
    sa.Column('maintenance_reason', sa.Text(), nullable=True),
    sa.Column('fault', sa.String(length=255), nullable=True),
    sa.Column('console_enabled', sa.Boolean(), nullable=False),
    sa.Column('reservation', sa.String(length=255), nullable=True),
    sa.Column('conductor_affinity', sa.Integer(), nullable=True),
    sa.Column('conductor_group', sa.String(length=255), server_default='', nullable=False),
    sa.Column('inspection_started_at', TIMESTAMP, nullable=True),
    sa.Column('inspection_finished_at', TIMESTAMP, nullable=True),
    sa.Column('resource_class', sa.String(length=80), nullable=True),
    sa.Column('bios_interface', sa.String(length=255), nullable=True),
    sa.Column('boot_interface', sa.String(length=255), nullable=True),
    sa.Column('console_interface', sa.String(length=255), nullable=True),
    sa.Column('deploy_interface', sa.String(length=255), nullable=True),
    sa.Column('firmware_interface', sa.String(length=255), nullable=True),
    sa.Column('inspect_interface', sa.String(length=255), nullable=True),
    sa.Column('management_interface', sa.String(length=255), nullable=True),
    sa.Column('network_interface', sa.String(length=255), nullable=True),
    sa.Column('power_interface', sa.String(length=255), nullable=True),
    sa.Column('raid_interface', sa.String(length=255), nullable=True),
    sa.Column('rescue_interface', sa.String(length=255), nullable=True),
    sa.Column('storage_interface', sa.String(length=255), nullable=True),
    sa.Column('vendor_interface', sa.String(length=255), nullable=True),
    sa.Column('automated_clean', sa.Boolean(), nullable=True),
    sa.Column('protected', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('protected_reason', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=255), nullable=True),
    sa.Column('lessee', sa.String(length=255), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('retired_reason', sa.Text(), nullable=True),
    sa.Column('boot_mode', sa.String(length=16), nullable=True),
    sa.Column('secure_boot', sa.Boolean(), nullable=True),
    sa.Column('shard', sa.String(length=255), nullable=True),
    sa.Column('parent_node', sa.String(length=36), nullable=True),
    sa.Column('disable_power_off', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('health', sa.String(length=32), nullable=True),
    sa.Column('revision', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['chassis_id'], ['chassis.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_uuid', name='uniq_nodes0instance_uuid'),
    sa.UniqueConstraint('name', name='uniq_nodes0name'),
    sa.UniqueConstraint('uuid', name='uniq_nodes0uuid')
    )
    op.create_index('nodes_allocation_id_idx', 'nodes', ['allocation_id'], unique=False)
    op.create_index('nodes_chassis_id_idx', 'nodes', ['chassis_id'], unique=False)
    op.create_index('nodes_conductor_group_idx', 'nodes', ['conductor_group'], unique=False)
    op.create_index('nodes_created_at_idx', 'nodes', ['created_at'], unique=False)
    op.create_index('nodes_driver_idx', 'nodes', ['driver'], unique=False)
    op.create_index('nodes_fault_idx', 'nodes', ['fault'], unique=False)
    op.create_index('nodes_instance_name_idx', 'nodes', ['instance_name'], unique=False)
    op.create_index('nodes_lessee_idx', 'nodes', ['lessee'], unique=False)
    op.create_index('nodes_maintenance_idx', 'nodes', ['maintenance'], unique=False)
    op.create_index('nodes_owner_idx', 'nodes', ['owner'], unique=False)
    op.create_index('nodes_parent_node_idx', 'nodes', ['parent_node'], unique=False)
    op.create_index('nodes_power_state_idx', 'nodes', ['power_state'], unique=False)
    op.create_index('nodes_provision_state_idx', 'nodes', ['provision_state'], unique=False)
    op.create_index('nodes_reservation_idx', 'nodes', ['reservation'], unique=False)
    op.create_index('nodes_resource_class_idx', 'nodes', ['resource_class'], unique=False)
    op.create_index('nodes_retired_idx', 'nodes', ['retired'], unique=False)
    op.create_index('nodes_shard_idx', 'nodes', ['shard'], unique=False)

    op.create_table('runbook_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('runbook_id', sa.Integer(), nullable=False),
    sa.Column('interface', sa.String(length=255), nullable=False),
    sa.Column('step', sa.String(length=255), nullable=False),
    sa.Column('args', sa.Text(), nullable=True),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['runbook_id'], ['runbooks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('runbook_steps_runbook_idx', 'runbook_steps', ['runbook_id'], unique=False)

    op.create_table('runbook_traits',
    sa.Column('runbook_id', sa.Integer(), nullable=False),
    sa.Column('trait', sa.String(length=255), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['runbook_id'], ['runbooks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('runbook_id', 'trait')
    )
    op.create_index('runbook_traits_trait_idx', 'runbook_traits', ['trait'], unique=False)

    op.create_table('bios_settings',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('attribute_type', sa.String(length=255), nullable=True),
    sa.Column('allowable_values', sa.Text(), nullable=True),
    sa.Column('lower_bound', sa.BigInteger(), nullable=True),
    sa.Column('max_length', sa.Integer(), nullable=True),
    sa.Column('min_length', sa.Integer(), nullable=True),
    sa.Column('read_only', sa.Boolean(), nullable=True),
    sa.Column('reset_required', sa.Boolean(), nullable=True),
    sa.Column('unique', sa.Boolean(), nullable=True),
    sa.Column('upper_bound', sa.BigInteger(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', 'name')
    )
    op.create_table('firmware_information',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=255), nullable=False),
    sa.Column('initial_version', sa.String(length=255), nullable=False),
    sa.Column('current_version', sa.String(length=255), nullable=True),
    sa.Column('last_version_flashed', sa.String(length=255), nullable=True),
    sa.Column('vendor', sa.String(length=255), nullable=True),
    sa.Column('model', sa.String(length=255), nullable=True),
    sa.Column('serial_number', sa.String(length=255), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('node_id', 'component', name='uniq_firmware0node_id0component')
    )
    op.create_table('node_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('conductor', sa.String(length=255), nullable=True),
    sa.Column('event_type', sa.String(length=255), nullable=True),
    sa.Column('severity', sa.String(length=255), nullable=True),
    sa.Column('event', sa.Text(), nullable=True),
    sa.Column('user', sa.String(length=64), nullable=True),
    sa.Column('project', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('target_provision_state', sa.String(length=255), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid', name='uniq_history0uuid')
    )
    op.create_index('history_conductor_idx', 'node_history', ['conductor'], unique=False)
    op.create_index('history_created_at_idx', 'node_history', ['created_at'], unique=False)
    op.create_index('history_node_id_idx', 'node_history', ['node_id'], unique=False)

    op.create_table('node_inventory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('inventory_data', LONG_TEXT, nullable=True),
    sa.Column('plugin_data', LONG_TEXT, nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('node_id', name='uniq_node_inventory0node_id')
    )
    op.create_table('node_tags',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=255), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', 'tag')
    )
    op.create_index('node_tags_tag_idx', 'node_tags', ['tag'], unique=False)

    op.create_table('node_traits',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('trait', sa.String(length=255), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', 'trait')
    )
    op.create_index('node_traits_trait_idx', 'node_traits', ['trait'], unique=False)

    op.create_table('portgroups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=18), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('internal_info', sa.Text(), nullable=True),
    sa.Column('standalone_ports_supported', sa.Boolean(), nullable=False),
    sa.Column('mode', sa.String(length=255), nullable=True),
    sa.Column('properties', sa.Text(), nullable=True),
    sa.Column('physical_network', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=80), nullable=True),
    sa.Column('dynamic_portgroup', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('address', name='uniq_portgroups0address'),
    sa.UniqueConstraint('name', name='uniq_portgroups0name'),
    sa.UniqueConstraint('uuid', name='uniq_portgroups0uuid')
    )
    op.create_index('portgroups_created_at_idx', 'portgroups', ['created_at'], unique=False)
    op.create_index('portgroups_node_id_idx', 'portgroups', ['node_id'], unique=False)

    op.create_table('volume_connectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('connector_id', sa.String(length=255), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('type', 'connector_id', name='uniq_volumeconnectors0type0connector_id'),
    sa.UniqueConstraint('uuid', name='uniq_volumeconnectors0uuid')
    )
    op.create_index('volume_connectors_node_id_idx', 'volume_connectors', ['node_id'], unique=False)

    op.create_table('volume_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('volume_type', sa.String(length=64), nullable=False),
    sa.Column('properties', sa.Text(), nullable=True),
    sa.Column('boot_index', sa.Integer(), nullable=False),
    sa.Column('volume_id', sa.String(length=255), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('node_id', 'boot_index', name='uniq_volumetargets0node_id0boot_index'),
    sa.UniqueConstraint('uuid', name='uniq_volumetargets0uuid')
    )
    op.create_table('ports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('address', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('portgroup_id', sa.Integer(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('local_link_connection', sa.Text(), nullable=True),
    sa.Column('internal_info', sa.Text(), nullable=True),
    sa.Column('pxe_enabled', sa.Boolean(), nullable=False),
    sa.Column('physical_network', sa.String(length=64), nullable=True),
    sa.Column('is_smartnic', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('vendor', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=80), nullable=True),
    sa.Column('available_for_dynamic_portgroup', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portgroup_id'], ['portgroups.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('address', name='uniq_ports0address'),
    sa.UniqueConstraint('name', name='uniq_ports0name'),
    sa.UniqueConstraint('uuid', name='uniq_ports0uuid')
    )
    op.create_index('ports_created_at_idx', 'ports', ['created_at'], unique=False)
    op.create_index('ports_node_id_idx', 'ports', ['node_id'], unique=False)
    op.create_index('ports_physical_network_idx', 'ports', ['physical_network'], unique=False)
    op.create_index('ports_portgroup_id_idx', 'ports', ['portgroup_id'], unique=False)



def downgrade() -> None:
    op.drop_index('ports_portgroup_id_idx', table_name='ports')
    op.drop_index('ports_physical_network_idx', table_name='ports')
    op.drop_index('ports_node_id_idx', table_name='ports')
    op.drop_index('ports_created_at_idx', table_name='ports')

    op.drop_table('ports')
    op.drop_table('volume_targets')
    op.drop_index('volume_connectors_node_id_idx', table_name='volume_connectors')

    op.drop_table('volume_connectors')
    op.drop_index('portgroups_node_id_idx', table_name='portgroups')
    op.drop_index('portgroups_created_at_idx', table_name='portgroups')

    op.drop_table('portgroups')
    op.drop_index('node_traits_trait_idx', table_name='node_traits')

    op.drop_table('node_traits')
    op.drop_index('node_tags_tag_idx', table_name='node_tags')

    op.drop_table('node_tags')
    op.drop_table('node_inventory')
    op.drop_index('history_node_id_idx', table_name='node_history')
    op.drop_index('history_created_at_idx', table_name='node_history')
    op.drop_index('history_conductor_idx', table_name='node_history')

    op.drop_table('node_history')
    op.drop_table('firmware_information')
    op.drop_table('bios_settings')
    op.drop_index('runbook_traits_trait_idx', table_name='runbook_traits')

    op.drop_table('runbook_traits')
    op.drop_index('runbook_steps_runbook_idx', table_name='runbook_steps')

    op.drop_table('runbook_steps')
    op.drop_index('nodes_shard_idx', table_name='nodes')
    op.drop_index('nodes_retired_idx', table_name='nodes')
    op.drop_index('nodes_resource_class_idx', table_name='nodes')
    op.drop_index('nodes_reservation_idx', table_name='nodes')
    op.drop_index('nodes_provision_state_idx', table_name='nodes')
    op.drop_index('nodes_power_state_idx', table_name='nodes')
    op.drop_index('nodes_parent_node_idx', table_name='nodes')
    op.drop_index('nodes_owner_idx', table_name='nodes')
    op.drop_index('nodes_maintenance_idx', table_name='nodes')
    op.drop_index('nodes_lessee_idx', table_name='nodes')
    op.drop_index('nodes_instance_name_idx', table_name='nodes')
    op.drop_index('nodes_fault_idx', table_name='nodes')
    op.drop_index('nodes_driver_idx', table_name='nodes')
    op.drop_index('nodes_created_at_idx', table_name='nodes')
    op.drop_index('nodes_conductor_group_idx', table_name='nodes')
    op.drop_index('nodes_chassis_id_idx', table_name='nodes')
    op.drop_index('nodes_allocation_id_idx', table_name='nodes')

    op.drop_table('nodes')
    op.drop_index('deploy_template_steps_template_idx', table_name='deploy_template_steps')

    op.drop_table('deploy_template_steps')
    op.drop_table('conductor_hardware_interfaces')
    op.drop_index('runbooks_owner_idx', table_name='runbooks')

    op.drop_table('runbooks')
    op.drop_index('inspection_rules_phase_idx', table_name='inspection_rules')

    op.drop_table('inspection_rules')
    op.drop_table('deploy_templates')
    op.drop_index('conductors_online_idx', table_name='conductors')

    op.drop_table('conductors')
    op.drop_table('chassis')
    op.drop_index('allocations_state_idx', table_name='allocations')
    op.drop_index('allocations_resource_class_idx', table_name='allocations')
    op.drop_index('allocations_owner_idx', table_name='allocations')
    op.drop_index('allocations_node_id_idx', table_name='allocations')

    op.drop_table('allocations')
