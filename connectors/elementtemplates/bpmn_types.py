"""The BPMN 2.0 type hierarchy, as bpmn-moddle describes it.

The Modeler checks `elementType` against `appliesTo` with this hierarchy (a template may only turn
an element into a type of the same family). The hub must not need node at run time, so the direct
superclasses of every `bpmn:` type are kept here as data; a test compares them with
bpmn-moddle's `resources/bpmn/json/bpmn.json`.
"""

from functools import cache

# Direct superclasses of each type of the `bpmn` namespace (names without the prefix).
SUPERCLASSES: dict[str, tuple[str, ...]] = {
    "Activity": ("FlowNode",),
    "AdHocSubProcess": ("SubProcess",),
    "Artifact": ("BaseElement",),
    "Assignment": ("BaseElement",),
    "Association": ("Artifact",),
    "Auditing": ("BaseElement",),
    "BaseElement": (),
    "BoundaryEvent": ("CatchEvent",),
    "BusinessRuleTask": ("Task",),
    "CallActivity": ("Activity", "InteractionNode"),
    "CallChoreography": ("ChoreographyActivity",),
    "CallConversation": ("ConversationNode",),
    "CallableElement": ("RootElement",),
    "CancelEventDefinition": ("EventDefinition",),
    "CatchEvent": ("Event",),
    "Category": ("RootElement",),
    "CategoryValue": ("BaseElement",),
    "Choreography": ("Collaboration", "FlowElementsContainer"),
    "ChoreographyActivity": ("FlowNode",),
    "ChoreographyTask": ("ChoreographyActivity",),
    "Collaboration": ("RootElement",),
    "CompensateEventDefinition": ("EventDefinition",),
    "ComplexBehaviorDefinition": ("BaseElement",),
    "ComplexGateway": ("Gateway",),
    "ConditionalEventDefinition": ("EventDefinition",),
    "Conversation": ("ConversationNode",),
    "ConversationAssociation": ("BaseElement",),
    "ConversationLink": ("BaseElement",),
    "ConversationNode": ("InteractionNode", "BaseElement"),
    "CorrelationKey": ("BaseElement",),
    "CorrelationProperty": ("RootElement",),
    "CorrelationPropertyBinding": ("BaseElement",),
    "CorrelationPropertyRetrievalExpression": ("BaseElement",),
    "CorrelationSubscription": ("BaseElement",),
    "DataAssociation": ("BaseElement",),
    "DataInput": ("ItemAwareElement",),
    "DataInputAssociation": ("DataAssociation",),
    "DataObject": ("FlowElement", "ItemAwareElement"),
    "DataObjectReference": ("ItemAwareElement", "FlowElement"),
    "DataOutput": ("ItemAwareElement",),
    "DataOutputAssociation": ("DataAssociation",),
    "DataState": ("BaseElement",),
    "DataStore": ("RootElement", "ItemAwareElement"),
    "DataStoreReference": ("ItemAwareElement", "FlowElement"),
    "Definitions": ("BaseElement",),
    "Documentation": ("BaseElement",),
    "EndEvent": ("ThrowEvent",),
    "EndPoint": ("RootElement",),
    "Error": ("RootElement",),
    "ErrorEventDefinition": ("EventDefinition",),
    "Escalation": ("RootElement",),
    "EscalationEventDefinition": ("EventDefinition",),
    "Event": ("FlowNode", "InteractionNode"),
    "EventBasedGateway": ("Gateway",),
    "EventDefinition": ("RootElement",),
    "ExclusiveGateway": ("Gateway",),
    "Expression": ("BaseElement",),
    "Extension": (),
    "ExtensionAttributeDefinition": (),
    "ExtensionDefinition": (),
    "ExtensionElements": (),
    "FlowElement": ("BaseElement",),
    "FlowElementsContainer": ("BaseElement",),
    "FlowNode": ("FlowElement",),
    "FormalExpression": ("Expression",),
    "Gateway": ("FlowNode",),
    "GlobalBusinessRuleTask": ("GlobalTask",),
    "GlobalChoreographyTask": ("Choreography",),
    "GlobalConversation": ("Collaboration",),
    "GlobalManualTask": ("GlobalTask",),
    "GlobalScriptTask": ("GlobalTask",),
    "GlobalTask": ("CallableElement",),
    "GlobalUserTask": ("GlobalTask",),
    "Group": ("Artifact",),
    "HumanPerformer": ("Performer",),
    "ImplicitThrowEvent": ("ThrowEvent",),
    "Import": (),
    "InclusiveGateway": ("Gateway",),
    "InputOutputBinding": (),
    "InputOutputSpecification": ("BaseElement",),
    "InputSet": ("BaseElement",),
    "InteractionNode": (),
    "Interface": ("RootElement",),
    "IntermediateCatchEvent": ("CatchEvent",),
    "IntermediateThrowEvent": ("ThrowEvent",),
    "ItemAwareElement": ("BaseElement",),
    "ItemDefinition": ("RootElement",),
    "Lane": ("BaseElement",),
    "LaneSet": ("BaseElement",),
    "LinkEventDefinition": ("EventDefinition",),
    "LoopCharacteristics": ("BaseElement",),
    "ManualTask": ("Task",),
    "Message": ("RootElement",),
    "MessageEventDefinition": ("EventDefinition",),
    "MessageFlow": ("BaseElement",),
    "MessageFlowAssociation": ("BaseElement",),
    "Monitoring": ("BaseElement",),
    "MultiInstanceLoopCharacteristics": ("LoopCharacteristics",),
    "Operation": ("BaseElement",),
    "OutputSet": ("BaseElement",),
    "ParallelGateway": ("Gateway",),
    "Participant": ("InteractionNode", "BaseElement"),
    "ParticipantAssociation": ("BaseElement",),
    "ParticipantMultiplicity": ("BaseElement",),
    "PartnerEntity": ("RootElement",),
    "PartnerRole": ("RootElement",),
    "Performer": ("ResourceRole",),
    "PotentialOwner": ("HumanPerformer",),
    "Process": ("FlowElementsContainer", "CallableElement"),
    "Property": ("ItemAwareElement",),
    "ReceiveTask": ("Task",),
    "Relationship": ("BaseElement",),
    "Rendering": ("BaseElement",),
    "Resource": ("RootElement",),
    "ResourceAssignmentExpression": ("BaseElement",),
    "ResourceParameter": ("BaseElement",),
    "ResourceParameterBinding": ("BaseElement",),
    "ResourceRole": ("BaseElement",),
    "RootElement": ("BaseElement",),
    "ScriptTask": ("Task",),
    "SendTask": ("Task",),
    "SequenceFlow": ("FlowElement",),
    "ServiceTask": ("Task",),
    "Signal": ("RootElement",),
    "SignalEventDefinition": ("EventDefinition",),
    "StandardLoopCharacteristics": ("LoopCharacteristics",),
    "StartEvent": ("CatchEvent",),
    "SubChoreography": ("ChoreographyActivity", "FlowElementsContainer"),
    "SubConversation": ("ConversationNode",),
    "SubProcess": ("Activity", "FlowElementsContainer", "InteractionNode"),
    "Task": ("Activity", "InteractionNode"),
    "TerminateEventDefinition": ("EventDefinition",),
    "TextAnnotation": ("Artifact",),
    "ThrowEvent": ("Event",),
    "TimerEventDefinition": ("EventDefinition",),
    "Transaction": ("SubProcess",),
    "UserTask": ("Task",),
}

# The families an element may be morphed within, as the Modeler's validator allows.
MORPHABLE_BASES = ("bpmn:Activity", "bpmn:Event", "bpmn:Gateway")


@cache
def all_types(qualified_name: str) -> frozenset[str] | None:
    """Every type `qualified_name` is an instance of (itself included), or None when unknown."""
    prefix, _, local = qualified_name.partition(":")
    if prefix != "bpmn" or local not in SUPERCLASSES:
        return None
    found = {local}
    pending = list(SUPERCLASSES[local])
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(SUPERCLASSES.get(name, ()))
    return frozenset(f"bpmn:{name}" for name in found)


def is_type(qualified_name: str, base: str) -> bool:
    """True when `qualified_name` is `base` or one of its subtypes."""
    types = all_types(qualified_name)
    return types is not None and base in types


def can_morph(source: str, target: str) -> bool:
    """True when an element of type `source` may be replaced by one of type `target`."""
    if source == target:
        return True
    base = next((b for b in MORPHABLE_BASES if is_type(source, b)), None)
    return base is not None and is_type(target, base)
